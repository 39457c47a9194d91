import Foundation

/// `--threads N`: N threads share the flows, by their flow key's hash (the key is the same
/// both ways, so a flow always lands on one shard). Every thread walks every packet of the
/// mapped files itself, on readers of its own (`ShardInput`; the calling thread's are the
/// run's), finds each packet's shard from its bytes (`ShardRouting.walk`) and tracks only its
/// own shard's: nothing is handed over per packet. The calling thread (shard 0, whose flow
/// table is the engine's) also counts every packet for the summary. What the shards report
/// (DNS messages, recognised services, ended flows) is tagged with the index of the packet
/// that caused it; each worker hands its events over every `batchItems` packets, and the
/// calling thread replays them in index order: flows end in the same order, see the same DNS
/// answers and role evidence, and give the same report as one thread. Every shard sweeps its
/// idle flows at the packets where one thread would sweep, decided from packet timestamps
/// alone. Only `--max-flows`, `--max-inspected-flows` and `--reassembly-memory` are split
/// between the shards (in proportion to their shares), so under those limits a run can differ
/// from one thread.
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
    /// The workers' flow tables, moved back from their threads by `finish` (shards 1...).
    private(set) var finishedTables: [FinishedTable] = []
    /// Packets between two reports of a worker, and between two replays of the calling thread.
    let batchItems: Int
    /// Flows per batch when the workers' tables are ended (`TableEnding`): no more than the
    /// packets of the run's batches (tests make both small).
    let endingBatchFlows: Int

    /// Packets between two hand-overs of a worker's events, and two replays, unless the run
    /// says otherwise (`AnalyzeOptions.shardBatchItems`).
    static let batchItems = 8192
    /// The calling thread waits for a worker more than this many packets behind it, so that
    /// the events waiting for replay stay bounded (a worker ahead waits: `ShardWorker.leadPackets`).
    static let maximumLead = 32_768

    /// Starts a thread for each worker, which walks `inputs[w - 1]`.
    /// - Parameters:
    ///   - inputs: per worker, its readers of the run's files (the order the calling thread reads them in).
    ///   - dns: the run's DNS table, which sees the shards' DNS messages in packet order.
    init(inputs: [ShardInput], batchItems: Int = ShardedRun.batchItems, settings: FlowSettings, dns: DNSBook) {
        let n = inputs.count + 1
        precondition(n > 1 && batchItems > 0, "a sharded run has 2 threads or more and batches of 1 packet or more")
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
        routing = ShardRouting(owner: owner, me: 0, sweepInterval: settings.sweepInterval)
        self.batchItems = batchItems
        endingBatchFlows = min(batchItems, TableEnding.batchFlows)
        self.dns = dns
        shards = (0..<n).map { i in ShardWorker(settings: shares[i]) }
        pending = Array(repeating: [], count: n)
        replayed = Array(repeating: 0, count: n)
        watermark = Array(repeating: 0, count: n)
        for (k, input) in inputs.enumerated() {
            let w = shards[k + 1]
            let routing = ShardRouting(owner: owner, me: k + 1, sweepInterval: settings.sweepInterval)
            let thread = Thread { w.walk(input, routing: routing, reportEvery: batchItems) }
            thread.name = "edgeflow-flows"
            thread.start()
        }
    }

    deinit {
        // A run dropped before `finish` stops its workers, and waits for them.
        if finishedTables.isEmpty {
            for w in shards.dropFirst() { w.output.close() }
            for w in shards.dropFirst() { _ = w.finishedTable() }
        }
    }

    /// The calling thread's flow table: shard 0's, with its limits.
    func makeOwnTracker() -> FlowTracker {
        shards[0].makeTracker()
    }

    /// What the calling thread needs per packet, for the engine to keep.
    func makeOwnShard() -> OwnShard {
        OwnShard(routing: routing, worker: shards[0], every: batchItems)
    }

    /// Replays what every shard reported up to packet `index` (waiting for workers too far behind).
    func flush(upTo index: Int, _ engine: inout Engine) {
        add(shards[0].takeEvents(), from: 0)
        watermark[0] = index
        replay(waitingUntil: index &- Self.maximumLead, &engine)
    }

    /// Takes the workers' reports (waiting for each until it has reported up to `need`) and
    /// replays, in packet order, every event no shard can still precede.
    private func replay(waitingUntil need: Int, _ engine: inout Engine) {
        for i in 1..<shards.count {
            for r in shards[i].output.takeAll() { take(r, from: i) }
            while watermark[i] < need, let r = shards[i].output.take() { take(r, from: i) }
        }
        let upTo = watermark.min() ?? 0
        // Each shard's events up to `upTo`, in order, merged in place (not copied into one
        // array and sorted: some 240 bytes and a few references each); the arrays are reached
        // as locals, with no exclusivity check per event.
        var events: [[ShardEvent]] = [], at: [Int] = []
        swap(&events, &pending)
        swap(&at, &replayed)
        var cuts = at
        for i in events.indices {
            var cut = at[i]
            while cut < events[i].count && events[i][cut].index <= upTo { cut += 1 }
            cuts[i] = cut
            ShardEvent.order(&events[i], from: at[i], to: cut)
        }
        while true {
            var next = -1
            for i in events.indices where at[i] < cuts[i] {
                if next < 0 || ShardEvent.precedes(events[i][at[i]], events[next][at[next]]) { next = i }
            }
            guard next >= 0 else { break }
            ShardEvent.apply(events[next][at[next]], into: &engine, dns: dns)
            at[next] += 1
        }
        for i in events.indices {
            if at[i] == events[i].count {
                events[i].removeAll(keepingCapacity: true)
                at[i] = 0
            } else if at[i] >= 1024 && at[i] * 2 >= events[i].count {
                events[i].removeFirst(at[i])
                at[i] = 0
            }
        }
        swap(&at, &replayed)
        swap(&events, &pending)
    }

    private func take(_ r: ShardReport, from i: Int) {
        add(r.events, from: i)
        watermark[i] = max(watermark[i], r.watermark)
    }

    /// Adds shard `i`'s new events to those waiting: taken as they are when none wait (no copy).
    private func add(_ events: [ShardEvent], from i: Int) {
        if pending[i].isEmpty { pending[i] = events } else { pending[i] += events }
    }

    /// Input is over: waits for every worker to reach the end of the files, takes back their
    /// flow tables (`finishedTables`) and replays everything they reported. The engine then
    /// ends the live flows of all shards.
    func finish(_ engine: inout Engine) {
        add(shards[0].takeEvents(), from: 0)
        watermark[0] = Int.max
        replay(waitingUntil: Int.max, &engine)
        finishedTables = shards.dropFirst().map { $0.finishedTable() }
    }

    /// Lets go of the workers' flows once the engine has classified them (their counters stay).
    func releaseFinishedTables() {
        for t in finishedTables { t.releaseLive() }
    }
}

/// The calling thread's part of a sharded run that is used per packet, kept in the engine (a
/// struct reached in place: no class property, with its exclusivity check, per packet).
struct OwnShard {
    private var routing: ShardRouting
    private let worker: ShardWorker
    /// Packets between two replays, and those since the last.
    private let every: Int
    private var sinceFlush = 0

    init(routing: ShardRouting, worker: ShardWorker, every: Int) {
        self.routing = routing
        self.worker = worker
        self.every = every
    }

    /// Packet `index`, read by the calling thread, whose table is `t` and whose decode counts
    /// are `counts` (`ShardRouting.walk`); true when the shards' events are due to be replayed
    /// (every `ShardedRun.batchItems` packets).
    @inline(__always)
    mutating func packet(_ packet: Packet, index: Int, _ counts: inout CaptureSummary, _ t: inout FlowTracker) -> Bool {
        routing.walk(packet, index: index, &counts, worker, &t)
        sinceFlush &+= 1
        guard sinceFlush >= every else { return false }
        sinceFlush = 0
        return true
    }
}
