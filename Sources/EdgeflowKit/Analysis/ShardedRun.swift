import Foundation

/// `--threads N`: the reading thread decodes each packet and hands it to one of N flow
/// workers chosen by its flow key's hash (the key is the same both ways, so a flow always
/// lands on one worker); the workers track flows and inspect their protocols. What they
/// report (DNS messages, recognised services, ended flows) comes back tagged with the index
/// of the packet that caused it, and the reading thread replays it in index order: flows end
/// in the same order, see the same DNS answers and role evidence, and give the same report
/// as one thread. Sweeps for idle flows are decided by the reader for all workers at once,
/// at the packets where one thread would sweep. Only `--max-flows`, `--max-inspected-flows`
/// and `--reassembly-memory` are split between the workers, so under those limits a run can
/// differ from one thread.
final class ShardedRun {
    private let workers: [ShardWorker]
    private let stage: ClassificationStage
    private let dns: DNSBook
    private let sweepInterval: Int64
    private let reassemblyMemory: Int
    private var nextSweep = Int64.min
    private var batches: [[ShardItem]]
    private var batchBytes: [Int]
    private var sinceFlush = 0
    /// Per worker: events received and not replayed yet, and the index up to which it has reported.
    private var pending: [[ShardEvent]]
    private var watermark: [Int]
    private var merged: [ShardEvent] = []

    static let batchSize = 512
    static let batchBytesLimit = 1 << 20
    static let flushEvery = 2048

    init(workers n: Int, settings: FlowSettings, stage: ClassificationStage, dns: DNSBook) {
        var share = settings
        share.maxFlows = max(16, settings.maxFlows / n)
        share.maxInspectedFlows = settings.maxInspectedFlows / n
        share.reassemblyMemory = settings.reassemblyMemory / n
        // Packets waiting for a worker stay within the part of the capture the reader has not
        // released yet (MappedFile.releaseLag), whatever their size.
        let queued = MappedFile.releaseLag / 2 / n
        workers = (0..<n).map { _ in ShardWorker(settings: share, queuedBytes: queued) }
        self.stage = stage
        self.dns = dns
        sweepInterval = settings.sweepInterval
        reassemblyMemory = settings.reassemblyMemory
        batches = Array(repeating: [], count: n)
        batchBytes = Array(repeating: 0, count: n)
        for i in 0..<n { batches[i].reserveCapacity(Self.batchSize) }
        pending = Array(repeating: [], count: n)
        watermark = Array(repeating: 0, count: n)
        // One malloc arena for all threads: workers allocate rarely (a flow's inspection) and
        // the reader frees it, so per-thread arenas would only hold memory twice.
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        for w in workers {
            let thread = Thread { w.run() }
            thread.name = "edgeflow-flows"
            thread.start()
        }
    }

    /// One packet from the reader.
    @inline(__always)
    func packet(_ packet: Packet, _ analyzer: inout Analyzer) {
        guard let d = analyzer.account(packet) else { return }
        let index = analyzer.summary.packets
        let w = Int(FlowKey.of(d).key.hash(seed: 0x5AA5_D1CE_F00D_1234) % UInt64(workers.count))
        batches[w].append(ShardItem(decoded: d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, sweep: false))
        batchBytes[w] &+= packet.bytes.count &+ 64
        var full = batches[w].count >= Self.batchSize || batchBytes[w] >= Self.batchBytesLimit
        if packet.timestamp >= nextSweep {
            nextSweep = packet.timestamp &+ sweepInterval
            for i in batches.indices {
                batches[i].append(ShardItem(decoded: d, timestamp: packet.timestamp, bytes: packet.bytes, index: index, sweep: true))
                full = full || batches[i].count >= Self.batchSize
            }
        }
        sinceFlush &+= 1
        if full || sinceFlush >= Self.flushEvery { flush(upTo: index, analyzer: &analyzer) }
    }

    /// Sends every worker its batch, covering packets up to `index`, then replays what is complete.
    private func flush(upTo index: Int, analyzer: inout Analyzer) {
        for i in workers.indices {
            workers[i].input.put(ShardBatch(watermark: index, items: batches[i]), weight: batchBytes[i])
            batches[i].removeAll(keepingCapacity: true)
            batchBytes[i] = 0
        }
        sinceFlush = 0
        replay(&analyzer)
    }

    /// Takes the workers' reports and replays, in packet order, every event no worker can
    /// still precede.
    private func replay(_ analyzer: inout Analyzer) {
        for i in workers.indices {
            for r in workers[i].output.takeAll() {
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
            case .dns(let bytes): bytes.withUnsafeBytes { dns.record($0) }
            case .recognised(let r): stage.recognised(r)
            case .ended(let f):
                analyzer.countFlow(f.record.key.proto)
                stage.ended(f)
            }
        }
        merged.removeAll(keepingCapacity: true)
    }

    /// Input is over: replays the rest, ends the live flows of all workers in creation order
    /// (merging their tables without copying them), and returns the run's summary.
    func finish(_ analyzer: inout Analyzer) -> CaptureSummary {
        flush(upTo: Int.max, analyzer: &analyzer)
        for w in workers { w.input.close() }
        for w in workers { w.finished.wait() }
        replay(&analyzer)

        // As one thread does: every live flow's evidence, then the waiting flows, then the live flows.
        let orders = workers.map { $0.tracker.creationOrder() }
        inCreationOrder(orders) { w, i in stage.recognised(workers[w].tracker.table[i]) }
        stage.finish()
        inCreationOrder(orders) { w, i in
            let e = workers[w].tracker.endedFlow(at: i)
            analyzer.countFlow(e.record.key.proto)
            stage.endedAtEndOfInput(e)
        }
        var s = analyzer.summary
        s.flowsEvicted = workers.reduce(0) { $0 + $1.tracker.flowsEvicted }
        s.flowsExpired = workers.reduce(0) { $0 + $1.tracker.flowsExpired }
        s.peakLiveFlows = workers.reduce(0) { $0 + $1.tracker.peakLiveFlows }
        s.flowsNotInspected = workers.reduce(0) { $0 + $1.tracker.inspector.flowsNotInspected }
        // Peaks are the sum of the workers' peaks: at most what one thread would have held.
        s.reassembly = .init(memoryLimit: reassemblyMemory,
                             peakBytes: workers.reduce(0) { $0 + $1.tracker.inspector.reassemblyPeak },
                             streamsOutOfMemory: workers.reduce(0) { $0 + $1.tracker.inspector.streamsOutOfMemory })
        for w in workers { w.tracker.removeAll() }
        return s
    }
}

extension ShardedRun {
    /// Visits the workers' live flows (worker, table index) merged in creation order;
    /// `orders` holds each worker's indices in creation order.
    private func inCreationOrder(_ orders: [[Int]], _ body: (Int, Int) -> Void) {
        var at = Array(repeating: 0, count: workers.count)
        while true {
            var pick = -1
            var best = Int.max
            for w in workers.indices where at[w] < orders[w].count {
                let seq = workers[w].tracker.table[orders[w][at[w]]].sequence
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
        case dns([UInt8])
        case recognised(FlowRecord)
        case ended(EndedFlow)
    }
    var index: Int
    var rank: UInt8
    var sequence: Int
    var ordinal: Int
    var payload: Payload
}

/// A flow worker: its own flow table and inspectors, fed batches of packets.
final class ShardWorker: @unchecked Sendable {
    /// A placeholder while the worker runs (its thread holds the real one).
    var tracker: FlowTracker
    let input: BatchQueue<ShardBatch>
    let output = BatchQueue<(watermark: Int, events: [ShardEvent])>(limit: .max)
    let finished = DispatchSemaphore(value: 0)
    private let dns = DNSBook()
    private var events: [ShardEvent] = []
    private var current = 0
    private var ordinal = 0

    init(settings: FlowSettings, queuedBytes: Int) {
        input = BatchQueue(limit: queuedBytes)
        tracker = FlowTracker(settings: settings, dns: dns)
        tracker.sweepsItself = false
        dns.forward = { [unowned self] p in self.note(0, 0, .dns(Array(p))) }
    }

    private func note(_ rank: UInt8, _ sequence: Int, _ payload: ShardEvent.Payload) {
        events.append(ShardEvent(index: current, rank: rank, sequence: sequence, ordinal: ordinal, payload: payload))
        ordinal &+= 1
    }

    func run() {
        // The tracker is worked on as a local (no exclusivity check per packet, as a class
        // property would need) and put back for the reader to finish.
        var placeholder = FlowSettings()
        placeholder.initialCapacity = 16
        placeholder.maxInspectedFlows = 0
        var t = FlowTracker(settings: placeholder, dns: dns)
        swap(&t, &tracker)
        while let batch = input.take() {
            for item in batch.items {
                current = item.index
                if item.sweep {
                    t.sweep(now: item.timestamp)
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
            output.put((batch.watermark, events))
            events = []
        }
        swap(&t, &tracker)
        finished.signal()
    }
}

/// A FIFO between two threads, handed over a batch at a time (one lock per batch, not per
/// packet). `put` waits while the weights of the waiting batches (bytes, or 1 each) would
/// pass `limit`; `take` waits for a batch.
final class BatchQueue<T>: @unchecked Sendable {
    private var items: [(item: T, weight: Int)] = []
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
        head += 1
        weight &-= x.weight
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        condition.broadcast()
        return x.item
    }

    /// Every batch waiting now (none is waited for).
    func takeAll() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let out = items[head...].map(\.item)
        items.removeAll(keepingCapacity: true)
        head = 0
        weight = 0
        condition.broadcast()
        return out
    }
}
