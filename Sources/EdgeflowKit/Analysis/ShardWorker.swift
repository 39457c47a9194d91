import CPrefetch
import Foundation

/// A shard of the flows: the limits of its flow table and what it reports. The calling
/// thread steps shard 0 itself, on the engine's flow table; every other shard runs on a thread
/// of its own (`run`), which takes its packets in batches from the calling thread, makes its
/// flow table there and moves it out when its input ends (`live --threads N` steps one on
/// each capture socket's thread instead).
final class ShardWorker: @unchecked Sendable {
    // Sendable: `events`, `current`, `ordinal` and `dnsCopies` are used by one thread only (the calling
    // thread for shard 0, the worker's thread for the others); the queue locks, and the
    // finished table is handed over by `finished`.
    let settings: FlowSettings
    /// Unbounded: a worker reports once per batch, and the batches in flight are bounded.
    let output = BatchQueue<ShardReport>(limit: .max)
    private let finished = DispatchSemaphore(value: 0)
    private var result: FinishedTable?
    let dns = DNSBook()
    private var events: [ShardEvent] = []
    private var current = 0
    private var ordinal = 0
    /// The DNS messages handed on to the run's book, copied where no allocation is made per message.
    private var dnsCopies = ShardDNSCopies()

    init(settings: FlowSettings) {
        self.settings = settings
        dns.forward = { [unowned self] p, multicast in self.note(0, 0, .dns(self.dnsCopies.copy(p), multicast: multicast)) }
    }

    /// The arenas the shard's DNS messages were copied into (made once each, then reused).
    var dnsArenasMade: Int { dnsCopies.arenasMade }

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

    /// Packet `index` of this shard's flows, tracked on `t` (this shard's flow table).
    @inline(__always)
    func track(_ d: DecodedPacket, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int, _ t: inout FlowTracker) {
        current = index
        t.track(d, timestamp: timestamp, bytes: bytes, index: index)
        collect(&t)
    }

    /// A `PlainDatagram` (packet `index`) of this shard's flows, tracked on `t` without the
    /// general decode, as one thread tracks it; counted in `counts` as `countDecoded` would.
    @inline(__always)
    func track(_ u: PlainDatagram, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int,
               _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        counts.ipPackets &+= 1
        current = index
        t.trackDatagram(u, timestamp: timestamp, bytes: bytes, index: index)
        collect(&t)
    }

    /// A `PlainSegment` (packet `index`) of this shard's flows, tracked on `t` without the
    /// general decode, as one thread tracks it; counted in `counts` as `countDecoded` would.
    @inline(__always)
    func track(_ s: PlainSegment, timestamp: Int64, bytes: UnsafeRawBufferPointer, index: Int,
               _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        counts.ipPackets &+= 1
        current = index
        t.trackSegment(s, timestamp: timestamp, bytes: bytes, index: index)
        collect(&t)
    }

    /// An ICMP error (packet `index`) quoting a flow of this shard.
    func attributeICMPError(_ d: DecodedPacket, bytes: UnsafeRawBufferPointer, index: Int, _ t: inout FlowTracker) {
        current = index
        t.attributeICMPError(d, bytes: bytes)
        collect(&t)
    }

    /// Ends the flows idle at `now`, at packet `index`.
    func sweep(now: Int64, index: Int, _ t: inout FlowTracker) {
        current = index
        t.sweep(now: now)
        collect(&t)
    }

    /// Notes what the last step recognised and ended, as events.
    @inline(__always)
    private func collect(_ t: inout FlowTracker) {
        if !t.recognised.isEmpty {
            for r in t.recognised { note(1, 0, .recognised(r)) }
            t.recognised.removeAll(keepingCapacity: true)
        }
        if !t.ended.isEmpty {
            for e in t.ended { note(2, e.record.sequence, .ended(e)) }
            t.drainedEnded()
        }
    }

    /// The events noted since the last call.
    func takeEvents() -> [ShardEvent] {
        defer { events = [] }
        return events
    }

    /// A worker thread's loop: drops the capture pages each batch `input` brings names
    /// (`ShardBatch.drops`), does its items (decodes, counts
    /// and tracks this shard's packets, notes other shards' SIP, attributes ICMP errors,
    /// sweeps), hands each batch back empty through `returning` and reports its events and the
    /// batch's watermark; once `input` is closed, its flow table is moved out for the calling
    /// thread (`finishedTable`).
    func run(_ input: BatchQueue<ShardBatch>, returning: BatchQueue<ShardBatch>) {
        ProcessTuning.growThreadHeap(ProcessTuning.workerHeap)
        // The table is a local of this thread (no exclusivity check per packet, as a class
        // property would need).
        var t = makeTracker()
        var counts = CaptureSummary()
        while let b = input.take() {
            b.dropPages()
            let items = b.items
            for k in 0..<b.count {
                Self.prefetchFrame(items, k &+ Self.frameDistance, b.count)
                let ahead = Self.frameAhead(items, k &+ LookupAhead.depth, b.count)
                t.prefetch(ahead: ahead?.bytes, linkType: ahead?.linkType ?? .ethernet)
                step(items[k], &counts, &t)
            }
            let watermark = b.watermark
            returning.put(b)
            output.put(ShardReport(watermark: watermark, events: takeEvents()))
        }
        output.put(ShardReport(watermark: .max, events: takeEvents()))
        result = FinishedTable(t, decodeCounts: counts)
        finished.signal()
    }

    /// How many items ahead of the one being done a worker asks for an item's frame
    /// (`prefetchFrame`): `LookupAhead.depth` more than the lookups ahead read it, so that the
    /// frame is present when they hash it and when it is tracked.
    static let frameDistance = 2 * LookupAhead.depth

    /// Asks for the first three lines of item `k`'s frame (of a batch of `count`): the calling
    /// thread read it megabytes of capture ago, and the worker's items are some of the packets,
    /// not in a row, which the hardware's own prefetch does not follow, so that the lookups
    /// ahead's hash and the tracking of each packet would wait for memory (`Benchmarks/README.md`,
    /// h-worker). A prefetch never faults.
    @inline(__always)
    private static func prefetchFrame(_ items: UnsafeMutablePointer<ShardItem>, _ k: Int, _ count: Int) {
        guard k < count, let p = items[k].bytes.baseAddress else { return }
        edgeflow_prefetch(p)
        edgeflow_prefetch(p + 64)
        edgeflow_prefetch(p + 128)
    }

    /// The frame of item `k` of a batch of `count` for the lookups ahead (`LookupAhead`), when
    /// it is a packet of the worker's flows.
    @inline(__always)
    private static func frameAhead(_ items: UnsafeMutablePointer<ShardItem>, _ k: Int, _ count: Int)
        -> (bytes: UnsafeRawBufferPointer, linkType: LinkType)? {
        guard k < count else { return nil }
        switch items[k].step {
        case .datagram: return (items[k].bytes, .ethernet)
        case .track(let f): return (items[k].bytes, f.linkType)
        case .noteSIP, .icmpError, .sweep: return nil
        }
    }

    /// One item of a batch (`ShardItem.Step`); a packet other than a plain datagram or
    /// segment is decoded here, by its flow's shard.
    @inline(__always)
    private func step(_ item: ShardItem, _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        switch item.step {
        case .datagram(let u):
            track(u, timestamp: item.timestamp, bytes: item.bytes, index: item.index, &counts, &t)
        case .track(let f):
            // A plain datagram after all (a routed one that may carry SIP): as one thread tracks it.
            if let u = PacketDecoder.plainDatagram(item.bytes, linkType: f.linkType) {
                return track(u, timestamp: item.timestamp, bytes: item.bytes, index: item.index, &counts, &t)
            }
            // A plain TCP segment: as one thread tracks it (`FlowTracker.trackSegment`).
            if let s = PacketDecoder.plainSegment(item.bytes, linkType: f.linkType) {
                return track(s, timestamp: item.timestamp, bytes: item.bytes, index: item.index, &counts, &t)
            }
            let d = Self.decode(item.bytes, f)
            guard counts.countDecoded(d) else { return }
            track(d, timestamp: item.timestamp, bytes: item.bytes, index: item.index, &t)
        case .noteSIP(let f):
            t.noteSIP(Self.decode(item.bytes, f), bytes: item.bytes)
        case .icmpError(let f):
            attributeICMPError(Self.decode(item.bytes, f), bytes: item.bytes, index: item.index, &t)
        case .sweep:
            sweep(now: item.timestamp, index: item.index, &t)
        }
    }

    @inline(__always)
    private static func decode(_ bytes: UnsafeRawBufferPointer, _ f: ShardItem.Frame) -> DecodedPacket {
        var d = DecodedPacket()
        PacketDecoder.decode(bytes, originalLength: f.originalLength, linkType: f.linkType, into: &d)
        return d
    }

    /// The worker's flow table once its thread is done (waits for it).
    func finishedTable() -> FinishedTable {
        finished.wait()
        guard let result else { preconditionFailure("a shard's thread signalled before handing over its flow table") }
        return result
    }
}

/// What a worker reports after each batch: its events, and the packet index up to which it
/// has done every item.
struct ShardReport {
    var watermark: Int
    var events: [ShardEvent]
}

/// Something a shard saw, tagged with where one thread would have seen it: the packet index,
/// then DNS (during the packet) before recognised services before ended flows (creation order).
struct ShardEvent {
    enum Payload {
        /// A DNS message (its copy: `ShardDNSCopies`), for the run's one `DNSBook`.
        case dns(ShardDNSCopies.Message, multicast: Bool)
        case recognised(FlowRecord)
        case ended(EndedFlow)
    }
    var index: Int
    var rank: UInt8
    var sequence: Int
    var ordinal: Int
    var payload: Payload

    /// Whether `a` comes before `b` in the order one thread would have met them.
    @inline(__always)
    static func precedes(_ a: borrowing ShardEvent, _ b: borrowing ShardEvent) -> Bool {
        Place(a).precedes(Place(b))
    }

    /// Where an event comes in the order one thread would have met it.
    struct Place {
        var index: Int
        var rank: UInt8
        var sequence: Int
        var ordinal: Int

        /// No event (a packet's index, which counts packets, is always below `Int.max`).
        static let none = Place(index: .max, rank: 0, sequence: 0, ordinal: 0)

        @inline(__always)
        init(index: Int, rank: UInt8, sequence: Int, ordinal: Int) {
            self.index = index
            self.rank = rank
            self.sequence = sequence
            self.ordinal = ordinal
        }

        @inline(__always)
        init(_ e: borrowing ShardEvent) {
            self.init(index: e.index, rank: e.rank, sequence: e.sequence, ordinal: e.ordinal)
        }

        /// The place of event `at` of `chunks[chunk]`, or `none` when there is none or it
        /// comes after packet `upTo`.
        @inline(__always)
        init(_ chunks: [[ShardEvent]], _ chunk: Int, _ at: Int, upTo: Int) {
            guard chunk < chunks.count else { self = .none; return }
            self = chunks[chunk].withUnsafeBufferPointer { b in
                let e = b.baseAddress.unsafelyUnwrapped + at
                return e.pointee.index <= upTo ? Place(index: e.pointee.index, rank: e.pointee.rank, sequence: e.pointee.sequence,
                                                       ordinal: e.pointee.ordinal) : .none
            }
        }

        @inline(__always)
        func precedes(_ b: Place) -> Bool {
            index != b.index ? index < b.index
                : rank != b.rank ? rank < b.rank
                : sequence != b.sequence ? sequence < b.sequence : ordinal < b.ordinal
        }
    }

    /// Sorts `events` into the order one thread would have met them and hands them to `engine`
    /// (DNS messages to `dns`); `events` is left empty, its storage kept.
    static func replay(_ events: inout [ShardEvent], into engine: inout Engine, dns: DNSBook) {
        guard !events.isEmpty else { return }
        events.sort { precedes($0, $1) }
        for e in events { apply(e, into: &engine, dns: dns) }
        events.removeAll(keepingCapacity: true)
    }

    /// Sorts `events[from..<to]` (one shard's, in packet order already but for flows ended at
    /// one packet) when it is not in order.
    static func order(_ events: inout [ShardEvent], from: Int, to: Int) {
        var k = from + 1
        while k < to && !precedes(events[k], events[k - 1]) { k += 1 }
        if k < to { events[from..<to].sort { precedes($0, $1) } }
    }

    /// Hands one event to `engine` (a DNS message to `dns`).
    @inline(__always)
    static func apply(_ e: borrowing ShardEvent, into engine: inout Engine, dns: DNSBook) {
        switch e.payload {
        case .dns(let m, let multicast): dns.record(m.bytes, multicast: multicast)
        case .recognised(let r): engine.recognised(r)
        case .ended(let f): engine.ended(f)
        }
    }
}

/// A worker's (or live socket's) flow table after its thread ended, moved (not copied) off the
/// thread. Its live flows are ended where they lie, on a thread of its own (`TableEnding`), and
/// classified in creation order with every other table's (`Engine.finish`): only a bounded
/// number of ended flows is held beside the table, so a flood's millions are held once.
final class FinishedTable {
    var tracker: FlowTracker
    /// What decoding told of the shard's packets (`CaptureSummary.countDecoded`), for the summary.
    let decodeCounts: CaptureSummary

    init(_ tracker: consuming FlowTracker, decodeCounts: CaptureSummary = CaptureSummary()) {
        self.decodeCounts = decodeCounts
        self.tracker = tracker
    }

    /// Lets go of the flows (after the engine ended and classified them); the counters stay.
    func releaseLive() { tracker.removeAll() }
}
