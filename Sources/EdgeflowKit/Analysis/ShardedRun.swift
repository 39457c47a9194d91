import Foundation

/// `--threads N`: N threads share the flows, by their flow key's hash (the key is the same
/// both ways, so a flow always lands on one shard). The reading thread decodes every packet,
/// keeps the packets of its own shard and hands the others, in batches, to N-1 worker
/// threads; its share is smaller (it also reads, decodes and replays). What the shards
/// report (DNS messages, recognised services, ended flows) is tagged with the index of the
/// packet that caused it, and the reading thread replays it in index order: flows end in the
/// same order, see the same DNS answers and role evidence, and give the same report as one
/// thread. Sweeps for idle flows are decided by the reader for all shards at once, at the
/// packets where one thread would sweep. Only `--max-flows`, `--max-inspected-flows` and
/// `--reassembly-memory` are split between the shards (in proportion to their shares), so
/// under those limits a run can differ from one thread.
final class ShardedRun {
    /// Shard 0 is the reading thread's own (its flow table is the analyzer's while input is read).
    private let shards: [ShardWorker]
    /// Which shard owns each of 64 hash buckets.
    private let owner: [UInt8]
    /// The reading thread's own shard's limits.
    private let ownShare: FlowSettings
    private let stage: ClassificationStage
    private let dns: DNSBook
    private let sweepInterval: Int64
    private let reassemblyMemory: Int
    private var nextSweep = Int64.min
    private var batches: [[ShardItem]]
    private var batchBytes: [Int]
    private var sinceFlush = 0
    /// Per shard: events received and not replayed yet, and the index up to which it has reported.
    private var pending: [[ShardEvent]]
    private var watermark: [Int]
    private var merged: [ShardEvent] = []

    static let batchSize = 512
    static let batchBytesLimit = 1 << 20
    static let flushEvery = 2048
    static let hashSeed: UInt64 = 0x5AA5_D1CE_F00D_1234

    init(threads n: Int, settings: FlowSettings, stage: ClassificationStage, dns: DNSBook) {
        let owner = Self.owners(shards: n)
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
        self.owner = owner
        ownShare = shares[0]
        // Packets waiting for a worker stay within the part of the capture the reader has not
        // released yet (MappedFile.releaseLag), whatever their size.
        let queued = MappedFile.releaseLag / 2 / max(1, n - 1)
        shards = (0..<n).map { i in ShardWorker(settings: shares[i], queuedBytes: queued, threaded: i > 0) }
        self.stage = stage
        self.dns = dns
        sweepInterval = settings.sweepInterval
        reassemblyMemory = settings.reassemblyMemory
        batches = Array(repeating: [], count: n)
        batchBytes = Array(repeating: 0, count: n)
        for i in 1..<n { batches[i].reserveCapacity(Self.batchSize) }
        pending = Array(repeating: [], count: n)
        watermark = Array(repeating: 0, count: n)
        // One malloc arena for all threads: workers allocate rarely (a flow's inspection) and
        // the reader frees it, so per-thread arenas would only hold memory twice.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        // Batches are allocated by the reader and freed by a worker: without this, glibc hands
        // the freed top of the heap back to the kernel and the next batch faults in zeroed pages
        // again (11 % of the reader's time).
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 16 << 20)
        for w in shards.dropFirst() {
            let thread = Thread { w.run() }
            thread.name = "edgeflow-flows"
            thread.start()
        }
    }

    /// The 64 buckets shared out: the reading thread, which also reads, decodes, hands over
    /// and replays, takes three eighths of an even share (measured best on the 5M-packet
    /// benchmark capture with 2 threads: 10-16 of 64 buckets), the workers the rest in turn.
    static func owners(shards n: Int) -> [UInt8] {
        let own = n == 1 ? 64 : max(1, 64 * 3 / (8 * n))
        return (0..<64).map { b in b < own ? 0 : UInt8(1 + (b - own) % max(1, n - 1)) }
    }

    /// The analyzer for the reading thread: its flow table is shard 0's, with the shard's limits.
    func makeAnalyzer() -> Analyzer {
        Analyzer(settings: ownShare, dns: shards[0].dns, sweepsItself: false)
    }

    /// One packet from the reader.
    @inline(__always)
    func packet(_ packet: Packet, _ analyzer: inout Analyzer) {
        guard let d = analyzer.account(packet) else { return }
        let index = analyzer.summary.packets
        let s = Int(owner[Int(truncatingIfNeeded: FlowKey.of(d).key.hash(seed: Self.hashSeed) & 63)])
        var item = ShardItem(decoded: d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, sweep: false)
        var full = hand(item, to: s, &analyzer)
        if d.proto == 1 || d.proto == 58, ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = ICMPError.quoted(in: packet.bytes, d) {
            // The flow an ICMP error quotes may live on another shard: it is told there.
            let qs = Int(owner[Int(truncatingIfNeeded: FlowKey.of(q).key.hash(seed: Self.hashSeed) & 63)])
            if qs != s {
                var quote = item
                quote.quoteOnly = true
                full = hand(quote, to: qs, &analyzer) || full
            }
        }
        if packet.timestamp >= nextSweep {
            nextSweep = packet.timestamp &+ sweepInterval
            item.sweep = true
            analyzer.withTracker { shards[0].step(item, &$0) }
            for i in 1..<batches.count {
                batches[i].append(item)
                full = full || batches[i].count >= Self.batchSize
            }
        }
        sinceFlush &+= 1
        if full || sinceFlush >= Self.flushEvery { flush(upTo: index, analyzer: &analyzer) }
    }

    /// Steps the reader's own shard now, or queues the item for a worker; true when that
    /// worker's batch is full.
    @inline(__always)
    private func hand(_ item: ShardItem, to s: Int, _ analyzer: inout Analyzer) -> Bool {
        if s == 0 {
            analyzer.withTracker { shards[0].step(item, &$0) }
            return false
        }
        batches[s].append(item)
        batchBytes[s] &+= item.bytes.count &+ 64
        return batches[s].count >= Self.batchSize || batchBytes[s] >= Self.batchBytesLimit
    }

    /// Sends every worker its batch, covering packets up to `index`, then replays what is complete.
    private func flush(upTo index: Int, analyzer: inout Analyzer) {
        for i in 1..<shards.count {
            shards[i].input.put(ShardBatch(watermark: index, items: batches[i]), weight: batchBytes[i])
            batches[i].removeAll(keepingCapacity: true)
            batchBytes[i] = 0
        }
        sinceFlush = 0
        pending[0] += shards[0].takeEvents()
        watermark[0] = index
        replay(&analyzer)
    }

    /// Takes the workers' reports and replays, in packet order, every event no shard can
    /// still precede.
    private func replay(_ analyzer: inout Analyzer) {
        for i in 1..<shards.count {
            for r in shards[i].output.takeAll() {
                pending[i] += r.events
                watermark[i] = r.watermark
            }
        }
        let upTo = watermark.min() ?? 0
        merged.removeAll(keepingCapacity: true)
        for i in pending.indices {
            var cut = 0
            while cut < pending[i].count && pending[i][cut].index <= upTo { cut += 1 }
            guard cut > 0 else { continue }
            merged += pending[i][..<cut]
            pending[i].removeFirst(cut)
        }
        guard !merged.isEmpty else { return }
        merged.sort { a, b in
            a.index != b.index ? a.index < b.index
                : a.rank != b.rank ? a.rank < b.rank
                : a.sequence != b.sequence ? a.sequence < b.sequence : a.ordinal < b.ordinal
        }
        for e in merged {
            switch e.payload {
            case .dns(let bytes, let multicast): bytes.withUnsafeBytes { dns.record($0, multicast: multicast) }
            case .recognised(let r): stage.recognised(r)
            case .ended(let f):
                analyzer.countFlow(f.record.key.proto)
                stage.ended(f)
            }
        }
        merged.removeAll(keepingCapacity: true)
    }

    /// Input is over: replays the rest, ends the live flows of all shards in creation order
    /// (merging their tables without copying them), and returns the run's summary.
    func finish(_ analyzer: inout Analyzer) -> CaptureSummary {
        flush(upTo: Int.max, analyzer: &analyzer)
        for w in shards.dropFirst() { w.input.close() }
        for w in shards.dropFirst() { w.finished.wait() }
        replay(&analyzer)
        analyzer.withTracker { swap(&$0, &shards[0].tracker) }

        // As one thread does: every live flow's evidence, then the waiting flows, then the live flows.
        let orders = shards.map { $0.tracker.creationOrder() }
        inCreationOrder(orders) { w, i in stage.recognised(shards[w].tracker.table[i]) }
        stage.finish()
        inCreationOrder(orders) { w, i in
            let e = shards[w].tracker.endedFlow(at: i)
            analyzer.countFlow(e.record.key.proto)
            stage.endedAtEndOfInput(e)
        }
        var s = analyzer.summary
        s.flowsEvicted = shards.reduce(0) { $0 + $1.tracker.flowsEvicted }
        s.flowsExpired = shards.reduce(0) { $0 + $1.tracker.flowsExpired }
        s.peakLiveFlows = shards.reduce(0) { $0 + $1.tracker.peakLiveFlows }
        s.flowsNotInspected = shards.reduce(0) { $0 + $1.tracker.inspector.flowsNotInspected }
        // Peaks are the sum of the shards' peaks: at most what one thread would have held.
        s.reassembly = .init(memoryLimit: reassemblyMemory,
                             peakBytes: shards.reduce(0) { $0 + $1.tracker.inspector.reassemblyPeak },
                             streamsOutOfMemory: shards.reduce(0) { $0 + $1.tracker.inspector.streamsOutOfMemory })
        for w in shards { w.tracker.removeAll() }
        return s
    }
}

extension ShardedRun {
    /// Visits the shards' live flows (shard, table index) merged in creation order;
    /// `orders` holds each shard's indices in creation order.
    private func inCreationOrder(_ orders: [[Int]], _ body: (Int, Int) -> Void) {
        var at = Array(repeating: 0, count: shards.count)
        while true {
            var pick = -1
            var best = Int.max
            for w in shards.indices where at[w] < orders[w].count {
                let seq = shards[w].tracker.table[orders[w][at[w]]].sequence
                if seq < best { best = seq; pick = w }
            }
            guard pick >= 0 else { return }
            body(pick, orders[pick][at[pick]])
            at[pick] += 1
        }
    }
}

/// glibc's mallopt(3), which the Glibc module does not export (malloc.h is not in it).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// One packet for a worker (its headers already decoded), or a sweep of the worker's table.
struct ShardItem {
    var decoded: DecodedPacket
    var timestamp: Int64
    var bytes: UnsafeRawBufferPointer
    var index: Int
    var sweep: Bool
    /// An ICMP error for the flow it quotes, which lives on this shard (its own flow does not).
    var quoteOnly = false
}

struct ShardBatch {
    /// Every packet up to this index that belongs to the worker is in this batch or an earlier one.
    var watermark: Int
    var items: [ShardItem]
}

/// Something a worker saw, tagged with where one thread would have seen it: the packet index,
/// then DNS (during the packet) before recognised services before ended flows (creation order).
struct ShardEvent {
    enum Payload {
        case dns([UInt8], multicast: Bool)
        case recognised(FlowRecord)
        case ended(EndedFlow)
    }
    var index: Int
    var rank: UInt8
    var sequence: Int
    var ordinal: Int
    var payload: Payload
}

/// A shard of the flows: its own flow table and inspectors, fed packets by the reading
/// thread (shard 0, one call at a time) or by batches on its own thread.
final class ShardWorker: @unchecked Sendable {
    /// A placeholder while the shard runs (its thread, or the reader's analyzer, holds the real one).
    var tracker: FlowTracker
    let input: BatchQueue<ShardBatch>
    let output = BatchQueue<(watermark: Int, events: [ShardEvent])>(limit: .max)
    let finished = DispatchSemaphore(value: 0)
    let dns = DNSBook()
    private var events: [ShardEvent] = []
    private var current = 0
    private var ordinal = 0

    init(settings: FlowSettings, queuedBytes: Int, threaded: Bool) {
        input = BatchQueue(limit: queuedBytes)
        tracker = FlowTracker(settings: threaded ? settings : Self.placeholder, dns: dns)
        tracker.sweepsItself = false
        dns.forward = { [unowned self] p, multicast in self.note(0, 0, .dns(Array(p), multicast: multicast)) }
    }

    private static var placeholder: FlowSettings {
        var p = FlowSettings()
        p.initialCapacity = 16
        p.maxInspectedFlows = 0
        return p
    }

    private func note(_ rank: UInt8, _ sequence: Int, _ payload: ShardEvent.Payload) {
        events.append(ShardEvent(index: current, rank: rank, sequence: sequence, ordinal: ordinal, payload: payload))
        ordinal &+= 1
    }

    /// One packet (or sweep) on `t`, this shard's flow table; what it causes is noted as events.
    @inline(__always)
    func step(_ item: ShardItem, _ t: inout FlowTracker) {
        current = item.index
        if item.sweep {
            t.sweep(now: item.timestamp)
        } else if item.quoteOnly {
            t.attributeICMPError(item.decoded, bytes: item.bytes)
        } else {
            t.track(item.decoded, timestamp: item.timestamp, bytes: item.bytes, index: item.index)
        }
        if !t.recognised.isEmpty {
            for r in t.recognised { note(1, 0, .recognised(r)) }
            t.recognised.removeAll(keepingCapacity: true)
        }
        if !t.ended.isEmpty {
            for e in t.ended { note(2, e.record.sequence, .ended(e)) }
            t.ended.removeAll(keepingCapacity: true)
        }
    }

    /// The events noted since the last call.
    func takeEvents() -> [ShardEvent] {
        defer { events = [] }
        return events
    }

    /// A worker thread's loop: batches in, events out, until the input is closed.
    func run() {
        // The tracker is worked on as a local (no exclusivity check per packet, as a class
        // property would need) and put back for the reader to finish.
        var t = FlowTracker(settings: Self.placeholder, dns: dns)
        swap(&t, &tracker)
        while let batch = input.take() {
            for item in batch.items { step(item, &t) }
            output.put((batch.watermark, takeEvents()))
        }
        swap(&t, &tracker)
        finished.signal()
    }
}

/// A FIFO between two threads, handed over a batch at a time (one lock per batch, not per
/// packet). `put` waits while the weights of the waiting batches (bytes, or 1 each) would
/// pass `limit`; `take` waits for a batch.
final class BatchQueue<T>: @unchecked Sendable {
    /// Waiting batches from `head` on; slots before it were taken and hold nothing.
    private var items: [(item: T?, weight: Int)] = []
    private var head = 0
    private var weight = 0
    private var closed = false
    private let condition = NSCondition()
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func put(_ x: T, weight w: Int = 1) {
        condition.lock()
        while weight > 0 && weight &+ w > limit { condition.wait() }
        items.append((x, w))
        weight &+= w
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for it; nil once the queue is closed and empty.
    func take() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let x = items[head]
        // The slot lets go of its batch now, and taken slots are dropped once they are half
        // the array: a queue that never runs empty must not keep every batch it passed on.
        items[head].item = nil
        head += 1
        weight &-= x.weight
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return x.item
    }

    /// Every batch waiting now (none is waited for).
    func takeAll() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let out = items[head...].compactMap(\.item)
        items.removeAll(keepingCapacity: true)
        head = 0
        weight = 0
        condition.broadcast()
        return out
    }
}
