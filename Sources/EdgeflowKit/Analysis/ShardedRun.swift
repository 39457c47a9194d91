import Foundation

/// `--threads N`: N threads share the flows, by their flow key's hash (the key is the same
/// both ways, so a flow always lands on one shard). Only the calling thread reads the capture:
/// it finds each packet's shard (`ShardRouting`), tracks its own shard's packets, and puts
/// every other packet into its worker's current batch of `ShardItem`s, which it hands over
/// when full and at each replay (`flushEvery` packets); the worker hands the batches back
/// empty, so a run makes its batches once (`batchesPerWorker` per worker) and takes a lock per
/// batch, never per packet. The calling thread (shard 0, whose flow table is the engine's)
/// also counts every packet for the summary. What the shards report (DNS messages, recognised
/// services, ended flows) is tagged with the index of the packet that caused it, and the
/// calling thread replays it in index order: flows end in the same order, see the same DNS
/// answers and role evidence, and give the same report as one thread. Sweeps for idle flows
/// happen at the packets where one thread would sweep, decided by the calling thread for all.
/// Only `--max-flows`, `--max-inspected-flows` and `--reassembly-memory` are split between
/// the shards (in proportion to their shares), so under those limits a run can differ from one
/// thread.
final class ShardedRun {
    /// Shard 0 is the calling thread's own (its flow table is the engine's).
    private let shards: [ShardWorker]
    private let routing: ShardRouting
    private let dns: DNSBook
    /// Per shard: the events received, in the arrays its reports brought them in (kept as they
    /// came, not copied into one), replayed from event `replayed` of the first array on; and the
    /// packet index up to which it has reported.
    private var pending: [[[ShardEvent]]]
    private var replayed: [Int]
    private var watermark: [Int]
    /// Per worker (shard `w` at `w - 1`): batches to it, batches back from it, the batch being
    /// filled, the batches handed over and not back yet (oldest first), and empty ones.
    private let toWorker: [BatchQueue<ShardBatch>]
    private let fromWorker: [BatchQueue<ShardBatch>]
    private var current: [ShardBatch]
    private var inFlight: [[ShardBatch]]
    private var spare: [[ShardBatch]]
    /// The calling thread's end of the current batches (`ShardOutbox`), and per file the offset
    /// of the last packet it read there (no later packet of that file lies before it).
    private let cursors: UnsafeMutablePointer<ShardOutbox.Cursor>
    let frontier: UnsafeMutablePointer<Int>
    /// The files, whose owner's reader (the calling thread's) drops pages only behind every
    /// item the workers have not done.
    private let files: [FileLease]
    /// The workers' flow tables, moved back from their threads by `finish` (shards 1...).
    private(set) var finishedTables: [FinishedTable] = []
    /// Flows per batch when the workers' tables are ended (`TableEnding`): no more than the
    /// items of the run's batches (tests make both small).
    let endingBatchFlows: Int

    /// The calling thread replays, and hands over every worker's batch, every this many of its
    /// packets, or sooner once it has read `flushBytes` of packet bytes since the last time.
    static let flushEvery = 8192
    /// ... so that large packets (64 KiB loopback or offloaded segments) are handed over, and the
    /// workers' lag in bytes checked (`maximumByteLead`), at least every this many bytes.
    static let flushBytes = 8 << 20
    /// Items in a batch, unless the run says otherwise (`AnalyzeOptions.shardBatchItems`).
    static let batchItems = 8192
    /// Batches per worker: at most this many are filled or in flight (the calling thread waits
    /// for one back when all are); `maximumLead` bounds how far in packets a worker runs behind.
    static let batchesPerWorker = 8
    /// The calling thread waits for a worker more than this many packets behind it, so that
    /// the events waiting for replay stay bounded.
    static let maximumLead = 32_768
    /// ... or whose oldest batch not done lies more than this many bytes behind it in a file
    /// (checked at each replay, at least every `flushBytes`): its reader drops the pages behind
    /// that batch only (`MappedFile.keep(from:)`), so this and `flushBytes` bound the pages
    /// resident (with the reader's `releaseLag` and `releaseStep`).
    static let maximumByteLead = 16 << 20

    /// Starts a thread for each of `threads - 1` workers, which take their packets from the
    /// calling thread in batches of `batchItems` items.
    /// - Parameters:
    ///   - files: the files the calling thread reads (their pages are kept for the workers).
    ///   - dns: the run's DNS table, which sees the shards' DNS messages in packet order.
    init(threads n: Int, batchItems: Int = ShardedRun.batchItems, settings: FlowSettings, files: [FileLease], dns: DNSBook) {
        precondition(n > 1 && batchItems > 0, "a sharded run has 2 threads or more and batches of 1 item or more")
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
        routing = ShardRouting(owner: owner, sweepInterval: settings.sweepInterval)
        endingBatchFlows = min(batchItems, TableEnding.batchFlows)
        self.dns = dns
        shards = (0..<n).map { i in ShardWorker(settings: shares[i]) }
        pending = Array(repeating: [], count: n)
        replayed = Array(repeating: 0, count: n)
        watermark = Array(repeating: 0, count: n)
        self.files = files
        // Nothing is dropped before the first replay says which pages the workers still need;
        // the first worker drops them, with its batches (`ShardBatch.drops`).
        for f in files {
            f.keep(from: 0)
            f.dropElsewhere()
        }
        frontier = .allocate(capacity: max(1, files.count))
        frontier.initialize(repeating: 0, count: max(1, files.count))
        toWorker = (1..<n).map { _ in BatchQueue(limit: .max) }
        fromWorker = (1..<n).map { _ in BatchQueue(limit: .max) }
        let batches = (1..<n).map { _ in (0..<Self.batchesPerWorker).map { _ in ShardBatch(capacity: batchItems, files: files) } }
        current = batches.map { $0[0] }
        spare = batches.map { Array($0.dropFirst()) }
        inFlight = Array(repeating: [], count: n - 1)
        cursors = .allocate(capacity: n - 1)
        for (k, b) in current.enumerated() { (cursors + k).initialize(to: .init(items: b.items, count: 0, capacity: b.capacity)) }
        for i in 1..<n {
            let (w, input, output) = (shards[i], toWorker[i - 1], fromWorker[i - 1])
            let thread = Thread { w.run(input, returning: output) }
            thread.name = "edgeflow-flows"
            thread.start()
        }
    }

    deinit {
        // A run dropped before `finish` lets its workers end, and waits for them: their items
        // point into the files' mappings, which may go with the run.
        for q in toWorker { q.close() }
        if finishedTables.isEmpty { for w in shards.dropFirst() { _ = w.finishedTable() } }
        cursors.deallocate()
        frontier.deallocate()
    }

    /// The calling thread's flow table: shard 0's, with its limits.
    func makeOwnTracker() -> FlowTracker {
        shards[0].makeTracker()
    }

    /// What the calling thread needs per packet, for the engine to keep.
    func makeOwnShard() -> OwnShard {
        OwnShard(routing: routing, worker: shards[0], outbox: ShardOutbox(cursors: cursors, run: self), frontier: frontier)
    }

    /// Hands worker `w` its current batch, in which it finds every item of the packets up to
    /// `watermark`, and starts the next (waiting for one to come back when all are in flight).
    func handOver(_ w: Int, watermark: Int) {
        let k = w - 1
        let b = current[k]
        b.count = cursors[k].count
        b.watermark = watermark
        if k == 0 { handDrops(b) }
        toWorker[k].put(b)
        inFlight[k].append(b)
        if spare[k].isEmpty, let back = fromWorker[k].take() { done(back, k) }
        let next = spare[k].removeLast()
        for f in files.indices { next.from[f] = frontier[f] }
        next.count = 0
        current[k] = next
        cursors[k] = .init(items: next.items, count: 0, capacity: next.capacity)
    }

    /// Gives batch `b` (the first worker's) the pages the readers freed since the last batch.
    private func handDrops(_ b: ShardBatch) {
        for f in files.indices { b.drops[f] = files[f].takeDrops() }
    }

    /// Batch `b` came back from worker `k + 1`: the oldest in flight.
    private func done(_ b: ShardBatch, _ k: Int) {
        precondition(inFlight[k].first === b, "a worker handed back its batches out of order")
        inFlight[k].removeFirst()
        spare[k].append(b)
    }

    /// Hands every worker its batch and replays what every shard reported up to packet `index`
    /// (waiting for workers too far behind).
    func flush(upTo index: Int, _ engine: inout Engine) {
        for w in 1..<shards.count { handOver(w, watermark: index) }
        add(shards[0].takeEvents(), from: 0)
        watermark[0] = index
        replay(waitingUntil: index &- Self.maximumLead, &engine)
    }

    /// Takes the workers' reports (waiting for each until it has reported up to `need`, and
    /// until its oldest batch not done is within `maximumByteLead` of the calling thread in
    /// every file), lets the calling thread's readers drop the pages of the items every worker
    /// has done, and replays, in packet order, every event no shard can still precede.
    private func replay(waitingUntil need: Int, _ engine: inout Engine) {
        for i in 1..<shards.count {
            let k = i - 1
            for b in fromWorker[k].takeAll() { done(b, k) }
            while let oldest = inFlight[k].first, lags(oldest), let b = fromWorker[k].take() { done(b, k) }
            for r in shards[i].output.takeAll() { take(r, from: i) }
            while watermark[i] < need, let r = shards[i].output.take() { take(r, from: i) }
        }
        for f in files.indices {
            var oldest = Int.max
            for k in current.indices { oldest = min(oldest, (inFlight[k].first ?? current[k]).from[f]) }
            files[f].keep(from: oldest)
        }
        let upTo = watermark.min() ?? 0
        // Each shard's events up to `upTo`, in order, merged where they lie (not copied into
        // one array and sorted: some 240 bytes and a few references each); the arrays are
        // reached as locals, with no exclusivity check per event. A packet's events are in one
        // array (a shard reports after whole packets), so each array is put in order on its own.
        var chunks: [[[ShardEvent]]] = []
        swap(&chunks, &pending)
        var at = replayed
        for i in chunks.indices {
            for c in chunks[i].indices {
                let from = c == 0 ? at[i] : 0
                var cut = from
                while cut < chunks[i][c].count && chunks[i][c][cut].index <= upTo { cut += 1 }
                ShardEvent.order(&chunks[i][c], from: from, to: cut)
                if cut < chunks[i][c].count { break }
            }
        }
        // Per shard, the array being replayed and the order of its next event (read once per
        // event, not out of the nested arrays at every comparison); `none` when it has none up to `upTo`.
        var chunk = Array(repeating: 0, count: chunks.count)
        var head = Array(repeating: ShardEvent.Place.none, count: chunks.count)
        for i in chunks.indices { head[i] = ShardEvent.Place(chunks[i], chunk[i], at[i], upTo: upTo) }
        while true {
            var next = -1
            for i in head.indices where head[i].index != .max {
                if next < 0 || head[i].precedes(head[next]) { next = i }
            }
            guard next >= 0 else { break }
            ShardEvent.apply(chunks[next][chunk[next]][at[next]], into: &engine, dns: dns)
            at[next] += 1
            if at[next] == chunks[next][chunk[next]].count {
                chunk[next] += 1
                at[next] = 0
            }
            head[next] = ShardEvent.Place(chunks[next], chunk[next], at[next], upTo: upTo)
        }
        // The arrays replayed to their end let go of their events.
        for i in chunks.indices where chunk[i] > 0 { chunks[i].removeFirst(chunk[i]) }
        replayed = at
        swap(&chunks, &pending)
    }

    private func take(_ r: ShardReport, from i: Int) {
        add(r.events, from: i)
        watermark[i] = max(watermark[i], r.watermark)
    }

    /// Adds shard `i`'s new events to those waiting, as they are (no copy).
    private func add(_ events: [ShardEvent], from i: Int) {
        if !events.isEmpty { pending[i].append(events) }
    }

    /// Whether batch `b` lies more than `maximumByteLead` bytes behind the calling thread in a file.
    private func lags(_ b: ShardBatch) -> Bool {
        for f in files.indices where files[f].readTo &- b.from[f] > Self.maximumByteLead { return true }
        return false
    }

    /// Input is over: hands every worker its last batch, waits for every worker to reach the
    /// end, takes back their flow tables (`finishedTables`) and replays everything they
    /// reported. The engine then ends the live flows of all shards.
    func finish(_ engine: inout Engine) {
        for w in 1..<shards.count {
            let b = current[w - 1]
            b.count = cursors[w - 1].count
            b.watermark = .max
            if w == 1 { handDrops(b) }
            cursors[w - 1].count = 0
            toWorker[w - 1].put(b)
            inFlight[w - 1].append(b)
            toWorker[w - 1].close()
        }
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
    private let outbox: ShardOutbox
    private let frontier: UnsafeMutablePointer<Int>
    /// The packet index, and the run's count of captured bytes, at which the batches are
    /// handed over next (compared with what the reading loop counts anyway: nothing counted here).
    private var flushIndex = ShardedRun.flushEvery
    private var flushBytes = ShardedRun.flushBytes

    init(routing: ShardRouting, worker: ShardWorker, outbox: ShardOutbox, frontier: UnsafeMutablePointer<Int>) {
        self.routing = routing
        self.worker = worker
        self.outbox = outbox
        self.frontier = frontier
    }

    /// Packet `index` of file `file`, read by the calling thread, whose table is `t` and whose
    /// decode counts are `counts`; true when the batches are due to be handed over and the
    /// shards' events replayed (every `ShardedRun.flushEvery` packets or `ShardedRun.flushBytes`
    /// bytes). A plain datagram that cannot carry SIP, most packets, is routed here in place
    /// (its headers read once, by `PacketDecoder.plainDatagram`, the owner from its two ends):
    /// handed to its worker as read or tracked here; any other packet out of line
    /// (`ShardRouting.other`).
    @inline(__always)
    mutating func take(_ packet: Packet, index: Int, file: Int, _ counts: inout CaptureSummary, _ t: inout FlowTracker) -> Bool {
        frontier[file] = packet.fileOffset
        if let u = PacketDecoder.plainDatagram(packet.bytes, linkType: packet.linkType), !ShardRouting.maybeSIP(u, packet.bytes) {
            let s = routing.shard(of: u)
            if s != 0 {
                outbox.put(s, ShardItem(.datagram(u), packet, index: index))
            } else {
                worker.track(u, timestamp: packet.timestamp, bytes: packet.bytes, index: index, &counts, &t)
            }
            if routing.sweepClock.isDue(packet.timestamp) { routing.sweep(now: packet.timestamp, bytes: packet.bytes, index: index, worker, &t, outbox) }
        } else {
            routing.other(packet.bytes, timestamp: packet.timestamp, frame: packet.frame, index: index, &counts, worker, &t, outbox)
        }
        guard index >= flushIndex || counts.bytes >= flushBytes else { return false }
        flushIndex = index &+ ShardedRun.flushEvery
        flushBytes = counts.bytes &+ ShardedRun.flushBytes
        return true
    }
}
