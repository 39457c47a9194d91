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
    /// Shard 0 is the reading thread's own (its flow table is the engine's).
    private let shards: [ShardWorker]
    /// Which shard owns each of 64 hash buckets.
    private let owner: [UInt8]
    /// The files whose packets are handed to the workers, by offset.
    private let files: [FileLease]
    private var lastFile = 0
    private let dns: DNSBook
    private let sweepInterval: Int64
    private var nextSweep = Int64.min
    private var batches: [[ShardItem]]
    private var batchBytes: [Int]
    private var sinceFlush = 0
    /// Per shard: events received and not replayed yet, and the index up to which it has reported.
    private var pending: [[ShardEvent]]
    private var watermark: [Int]
    private var merged: [ShardEvent] = []
    /// The workers' flow tables, moved back from their threads by `finish` (shards 1...).
    private(set) var finishedTables: [FinishedTable] = []

    static let batchSize = 512
    static let batchBytesLimit = 1 << 20
    static let flushEvery = 2048
    static let hashSeed: UInt64 = 0x5AA5_D1CE_F00D_1234

    /// Starts a worker thread for each shard but the first.
    /// - Parameter dns: the run's DNS table, which sees the shards' DNS messages in packet order.
    init(threads n: Int, settings: FlowSettings, files: [FileLease], dns: DNSBook) {
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
        self.files = files
        // Packets waiting for a worker stay within the part of the capture the reader has not
        // released yet (MappedFile.releaseLag), whatever their size.
        let queued = MappedFile.releaseLag / 2 / max(1, n - 1)
        shards = (0..<n).map { i in ShardWorker(settings: shares[i], queuedBytes: queued) }
        self.dns = dns
        sweepInterval = settings.sweepInterval
        batches = Array(repeating: [], count: n)
        batchBytes = Array(repeating: 0, count: n)
        for i in 1..<n { batches[i].reserveCapacity(Self.batchSize) }
        pending = Array(repeating: [], count: n)
        watermark = Array(repeating: 0, count: n)
        for w in shards.dropFirst() {
            let thread = Thread { w.run(files: files) }
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

    /// The reading thread's flow table: shard 0's, with its limits.
    func makeOwnTracker() -> FlowTracker {
        shards[0].makeTracker()
    }

    /// One packet the engine has counted and decoded (`d`), on the reading thread.
    @inline(__always)
    func packet(_ packet: Packet, _ d: DecodedPacket, _ engine: inout Engine) {
        let index = engine.summary.packets
        let s = Int(owner[Int(truncatingIfNeeded: FlowKey.of(d).key.hash(seed: Self.hashSeed) & 63)])
        var item = ShardItem(decoded: d, timestamp: packet.timestamp, file: 0, offset: 0, count: 0, index: index, sweep: false)
        if s != 0 || IPProtocol.isICMP(d.proto) {
            (item.file, item.offset) = locate(packet.bytes)
            item.count = packet.bytes.count
        }
        var full = hand(item, packet.bytes, to: s, &engine)
        if IPProtocol.isICMP(d.proto), ICMPError.isError(proto: d.proto, type: d.srcPort),
           let q = try? ICMPError.quoted(in: packet.bytes, d) {
            // The flow an ICMP error quotes may live on another shard: it is told there.
            let qs = Int(owner[Int(truncatingIfNeeded: FlowKey.of(q).key.hash(seed: Self.hashSeed) & 63)])
            if qs != s {
                var quote = item
                quote.quoteOnly = true
                full = hand(quote, packet.bytes, to: qs, &engine) || full
            }
        }
        if packet.timestamp >= nextSweep {
            nextSweep = packet.timestamp &+ sweepInterval
            full = sweepAll(item, &engine) || full
        }
        sinceFlush &+= 1
        if full || sinceFlush >= Self.flushEvery { flush(upTo: index, &engine) }
    }

    /// Ends the flows idle at `now` on every shard (a live clock with no packet).
    func sweep(now: Int64, _ engine: inout Engine) {
        nextSweep = now &+ sweepInterval
        let index = engine.summary.packets
        let item = ShardItem(decoded: DecodedPacket(), timestamp: now, file: 0, offset: 0, count: 0, index: index, sweep: true)
        _ = sweepAll(item, &engine)
        flush(upTo: index, &engine)
    }

    /// Sweeps the reader's shard now and queues the sweep for every worker; true when a batch is full.
    private func sweepAll(_ item: ShardItem, _ engine: inout Engine) -> Bool {
        var item = item
        item.sweep = true
        shards[0].step(item, UnsafeRawBufferPointer(start: nil, count: 0), &engine.tracker)
        var full = false
        for i in 1..<batches.count {
            batches[i].append(item)
            full = full || batches[i].count >= Self.batchSize
        }
        return full
    }

    /// Which file holds `bytes`, and where (the file of the last packet is tried first).
    @inline(__always)
    private func locate(_ bytes: UnsafeRawBufferPointer) -> (file: Int, offset: Int) {
        if let span = files[lastFile].span(of: bytes) { return (lastFile, span.offset) }
        for i in files.indices {
            if let span = files[i].span(of: bytes) { lastFile = i; return (i, span.offset) }
        }
        preconditionFailure("a sharded run was given a packet that lies in none of its capture files")
    }

    /// Steps the reader's own shard now, or queues the item for a worker; true when that
    /// worker's batch is full.
    @inline(__always)
    private func hand(_ item: ShardItem, _ bytes: UnsafeRawBufferPointer, to s: Int, _ engine: inout Engine) -> Bool {
        if s == 0 {
            shards[0].step(item, bytes, &engine.tracker)
            return false
        }
        batches[s].append(item)
        batchBytes[s] &+= item.count &+ 64
        return batches[s].count >= Self.batchSize || batchBytes[s] >= Self.batchBytesLimit
    }

    /// Sends every worker its batch, covering packets up to `index`, then replays what is complete.
    private func flush(upTo index: Int, _ engine: inout Engine) {
        for i in 1..<shards.count {
            shards[i].input.put(ShardBatch(watermark: index, items: batches[i]), weight: batchBytes[i])
            batches[i].removeAll(keepingCapacity: true)
            batchBytes[i] = 0
        }
        sinceFlush = 0
        pending[0] += shards[0].takeEvents()
        watermark[0] = index
        replay(&engine)
    }

    /// Takes the workers' reports and replays, in packet order, every event no shard can
    /// still precede.
    private func replay(_ engine: inout Engine) {
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
            case .recognised(let r): engine.recognised(r)
            case .ended(let f): engine.ended(f)
            }
        }
        merged.removeAll(keepingCapacity: true)
    }

    /// Input is over: sends the last batches, waits for the workers, takes back their flow
    /// tables (`finishedTables`) and replays everything they reported. The engine then ends
    /// the live flows of all shards.
    func finish(_ engine: inout Engine) {
        flush(upTo: Int.max, &engine)
        for w in shards.dropFirst() { w.input.close() }
        finishedTables = shards.dropFirst().map { $0.finishedTable() }
        replay(&engine)
    }
}

/// One packet for a worker (its headers already decoded), or a sweep of the worker's table.
/// The packet's bytes are named by where they lie in a capture file (`ShardedRun`'s
/// `files[file]`), which the worker reads under its own lease: no address crosses threads.
struct ShardItem {
    var decoded: DecodedPacket
    var timestamp: Int64
    var file: Int
    var offset: Int
    var count: Int
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

/// A shard of the flows: the limits of its flow table and what it reports. The reading
/// thread steps shard 0 itself, on the engine's flow table; every other shard runs on a thread
/// of its own (`run`), which makes its flow table there and moves it out when its input ends.
final class ShardWorker: @unchecked Sendable {
    // Sendable: `events`, `current` and `ordinal` are used by one thread only (the reading
    // thread for shard 0, the worker's thread for the others); the queues lock, and the
    // finished table is handed over by `finished`.
    let settings: FlowSettings
    let input: BatchQueue<ShardBatch>
    let output = BatchQueue<(watermark: Int, events: [ShardEvent])>(limit: .max)
    private let finished = DispatchSemaphore(value: 0)
    private var result: FinishedTable?
    let dns = DNSBook()
    private var events: [ShardEvent] = []
    private var current = 0
    private var ordinal = 0

    init(settings: FlowSettings, queuedBytes: Int) {
        self.settings = settings
        input = BatchQueue(limit: queuedBytes)
        dns.forward = { [unowned self] p, multicast in self.note(0, 0, .dns(Array(p), multicast: multicast)) }
    }

    /// This shard's flow table, whose sweeps are decided for all shards at once.
    func makeTracker() -> FlowTracker {
        var t = FlowTracker(settings: settings, dns: dns)
        t.sweepsItself = false
        return t
    }

    private func note(_ rank: UInt8, _ sequence: Int, _ payload: ShardEvent.Payload) {
        events.append(ShardEvent(index: current, rank: rank, sequence: sequence, ordinal: ordinal, payload: payload))
        ordinal &+= 1
    }

    /// One packet (or sweep) on `t`, this shard's flow table; what it causes is noted as events.
    @inline(__always)
    func step(_ item: ShardItem, _ bytes: UnsafeRawBufferPointer, _ t: inout FlowTracker) {
        current = item.index
        if item.sweep {
            t.sweep(now: item.timestamp)
        } else if item.quoteOnly {
            t.attributeICMPError(item.decoded, bytes: bytes)
        } else {
            t.track(item.decoded, timestamp: item.timestamp, bytes: bytes, index: item.index)
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

    /// A worker thread's loop: batches in, events out, until the input is closed; then its
    /// flow table is moved out for the reading thread (`finishedTable`).
    func run(files: [FileLease]) {
        // The table is a local of this thread (no exclusivity check per packet, as a class
        // property would need), and each packet's bytes are read through this thread's leases.
        var t = makeTracker()
        while let batch = input.take() {
            for item in batch.items {
                let bytes = item.count > 0 ? files[item.file].bytes(at: item.offset, count: item.count) : UnsafeRawBufferPointer(start: nil, count: 0)
                step(item, bytes, &t)
            }
            output.put((batch.watermark, takeEvents()))
        }
        result = FinishedTable(t)
        finished.signal()
    }

    /// The worker's flow table once its thread is done (waits for it).
    func finishedTable() -> FinishedTable {
        finished.wait()
        guard let result else { preconditionFailure("a shard's thread signalled before handing over its flow table") }
        return result
    }
}

/// A worker's flow table after its thread ended, moved (not copied) off the thread.
final class FinishedTable {
    var tracker: FlowTracker
    init(_ tracker: consuming FlowTracker) { self.tracker = tracker }
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
