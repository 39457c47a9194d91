import Foundation

/// `--threads N`: N threads share the flows, by their flow key's hash (the key is the same
/// both ways, so a flow always lands on one shard). Every thread walks the capture itself:
/// it reads each record and decodes its headers to find the packet's shard, and tracks only
/// its own shard's packets (`ShardRouting`), so nothing is handed over per packet. The
/// calling thread (shard 0, whose flow table is the engine's) also counts every packet for
/// the summary. What the shards report (DNS messages, recognised services, ended flows) is
/// tagged with the index of the packet that caused it, and the calling thread replays it in
/// index order: flows end in the same order, see the same DNS answers and role evidence, and
/// give the same report as one thread. Sweeps for idle flows happen at the packets where one
/// thread would sweep, decided alike by every thread. Only `--max-flows`,
/// `--max-inspected-flows` and `--reassembly-memory` are split between the shards (in
/// proportion to their shares), so under those limits a run can differ from one thread.
final class ShardedRun {
    /// Shard 0 is the calling thread's own (its flow table is the engine's).
    private let shards: [ShardWorker]
    private let routing: ShardRouting
    private let dns: DNSBook
    /// Per shard: events received, replayed from `replayed` on (the replayed ones are dropped
    /// in bulk, not shifted out at each replay), and the packet index up to which it has reported.
    private var pending: [[ShardEvent]]
    private var replayed: [Int]
    private var watermark: [Int]
    /// Per shard (1...), per file: the offset from which it may still read, as last reported.
    private var positions: [[Int]]
    /// The files, whose owner's reader (the calling thread's) drops pages only behind every worker.
    private let files: [FileLease]
    private var merged: [ShardEvent] = []
    /// The workers' flow tables, moved back from their threads by `finish` (shards 1...).
    private(set) var finishedTables: [FinishedTable] = []

    /// The calling thread replays every this many of its packets.
    static let flushEvery = 2048
    /// A worker reports every this many packets read, and waits while this many of its
    /// reports are not taken yet: it runs at most `reportEvery * reportsQueued` packets ahead.
    static let reportEvery = 2048
    static let reportsQueued = 8
    /// The calling thread waits for a worker more than this many packets behind it, so that
    /// the events waiting for replay stay bounded.
    static let maximumLead = 16_384
    /// ... or more than this many bytes behind it in a file: its reader drops the pages behind
    /// the slowest worker only (`MappedFile.keep(from:)`), so this bounds the pages resident
    /// (with the reader's `releaseLag` and `releaseStep`, and the packets between two flushes).
    static let maximumByteLead = 16 << 20

    /// Starts a worker thread for each shard but the first, each reading its own `inputs`
    /// (made on the calling thread, on `files`).
    /// - Parameter dns: the run's DNS table, which sees the shards' DNS messages in packet order.
    init(workers inputs: [ShardInput<MappedCaptureReader>], settings: FlowSettings, files: [FileLease], dns: DNSBook) {
        let n = inputs.count + 1
        let owner = ShardRouting.owners(shards: n)
        // Each shard's limits in proportion to its share of the buckets.
        let shares = (0..<n).map { i in
            let buckets = owner.reduce(0) { $0 + ($1 == UInt8(i) ? 1 : 0) }
            func part(_ x: Int) -> Int { x / 64 * buckets + x % 64 * buckets / 64 }  // no overflow near Int.max
            var share = settings
            share.maxFlows = max(16, part(settings.maxFlows))
            share.maxInspectedFlows = part(settings.maxInspectedFlows)
            share.reassemblyMemory = part(settings.reassemblyMemory)
            return share
        }
        let routing = ShardRouting(owner: owner, sweepInterval: settings.sweepInterval)
        self.routing = routing
        self.dns = dns
        shards = (0..<n).map { i in ShardWorker(settings: shares[i]) }
        pending = Array(repeating: [], count: n)
        replayed = Array(repeating: 0, count: n)
        watermark = Array(repeating: 0, count: n)
        positions = Array(repeating: Array(repeating: 0, count: files.count), count: n)
        self.files = files
        for f in files { f.keep(from: 0) }
        for i in 1..<n {
            let w = shards[i]
            let handed = HandedInput(input: inputs[i - 1])
            let thread = Thread { w.run(handed.input, routing: routing, shard: i) }
            thread.name = "edgeflow-flows"
            thread.start()
        }
    }

    /// The calling thread's flow table: shard 0's, with its limits.
    func makeOwnTracker() -> FlowTracker {
        shards[0].makeTracker()
    }

    /// What the calling thread needs per packet, for the engine to keep.
    func makeOwnShard() -> OwnShard {
        OwnShard(routing: routing, worker: shards[0])
    }

    /// Replays what every shard reported up to packet `index` (waiting for workers too far behind).
    func flush(upTo index: Int, _ engine: inout Engine) {
        pending[0] += shards[0].takeEvents()
        watermark[0] = index
        replay(waitingUntil: index &- Self.maximumLead, &engine)
    }

    /// Takes the workers' reports (waiting for each until it has reported up to `need`, and
    /// to within `maximumByteLead` of the calling thread in every file), lets the calling
    /// thread's readers drop the pages every worker has passed, and replays, in packet order,
    /// every event no shard can still precede.
    private func replay(waitingUntil need: Int, _ engine: inout Engine) {
        for i in 1..<shards.count {
            for r in shards[i].output.takeAll() { take(r, from: i) }
            while watermark[i] < need || lags(i), let r = shards[i].output.take() { take(r, from: i) }
        }
        for f in files.indices {
            var slowest = Int.max
            for i in 1..<shards.count { slowest = min(slowest, positions[i][f]) }
            files[f].keep(from: slowest)
        }
        let upTo = watermark.min() ?? 0
        merged.removeAll(keepingCapacity: true)
        for i in pending.indices {
            let from = replayed[i]
            var cut = from
            while cut < pending[i].count && pending[i][cut].index <= upTo { cut += 1 }
            guard cut > from else { continue }
            merged += pending[i][from..<cut]
            replayed[i] = cut
            if cut == pending[i].count {
                pending[i].removeAll(keepingCapacity: true)
                replayed[i] = 0
            } else if cut >= 1024 && cut * 2 >= pending[i].count {
                pending[i].removeFirst(cut)
                replayed[i] = 0
            }
        }
        ShardEvent.replay(&merged, into: &engine, dns: dns)
    }

    private func take(_ r: ShardReport, from i: Int) {
        pending[i] += r.events
        watermark[i] = r.watermark
        positions[i] = r.positions
    }

    /// Whether worker `i` is more than `maximumByteLead` bytes behind the calling thread in a file.
    private func lags(_ i: Int) -> Bool {
        for f in files.indices where files[f].readTo &- positions[i][f] > Self.maximumByteLead { return true }
        return false
    }

    /// Input is over: waits for every worker to reach the end, takes back their flow tables
    /// (`finishedTables`) and replays everything they reported. The engine then ends the live
    /// flows of all shards.
    func finish(_ engine: inout Engine) {
        pending[0] += shards[0].takeEvents()
        watermark[0] = Int.max
        replay(waitingUntil: Int.max, &engine)
        finishedTables = shards.dropFirst().map { $0.finishedTable() }
    }

    /// Lets go of the workers' flows once the engine has classified them (their counters stay).
    func releaseFinishedTables() {
        for t in finishedTables { t.releaseLive() }
    }
}

/// A worker's input, made on the calling thread and moved to the worker's: from then on only
/// that thread reads it.
private struct HandedInput: @unchecked Sendable {
    // Sendable: its readers read views of the mappings (`MappedFile.view`), which change
    // nothing shared: only the owner's reader drops pages.
    let input: ShardInput<MappedCaptureReader>
}

/// The calling thread's part of a sharded run that is used per packet, kept in the engine (a
/// struct reached in place: no class property, with its exclusivity check, per packet).
struct OwnShard {
    private var routing: ShardRouting
    private let worker: ShardWorker
    private var sinceFlush = 0

    init(routing: ShardRouting, worker: ShardWorker) {
        self.routing = routing
        self.worker = worker
    }

    /// Packet `index` on the calling thread's shard, whose table is `t` and whose decode counts
    /// are `counts` (`ShardRouting.take`); true when the shards' events are due to be replayed
    /// (every `ShardedRun.flushEvery` packets).
    @inline(__always)
    mutating func packet(_ packet: Packet, index: Int, _ counts: inout CaptureSummary, _ t: inout FlowTracker) -> Bool {
        routing.take(packet, index: index, shard: 0, &counts, worker, &t)
        sinceFlush &+= 1
        guard sinceFlush >= ShardedRun.flushEvery else { return false }
        sinceFlush = 0
        return true
    }
}
