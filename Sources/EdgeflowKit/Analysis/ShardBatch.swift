/// One step a worker of a sharded run takes, as the calling thread decided it (`ShardRouting`):
/// a plain value (the packet's bytes stay in the mapping, no copy), so that a batch of them is
/// filled with no allocation.
struct ShardItem {
    enum Step {
        /// A plain UDP datagram of the worker's flow, as the calling thread read it (so the
        /// worker does not read its headers again): count and track it.
        case datagram(PlainDatagram)
        /// Any other packet of the worker's flow: decode, count and track it.
        case track(Frame)
        /// A packet of another shard's flow that may carry SIP: for the worker's SDP book.
        case noteSIP(Frame)
        /// An ICMP error (of another shard's flow, or of none) quoting one of the worker's flows.
        case icmpError(Frame)
        /// Sweep the idle flows at `timestamp`, where one thread would (no packet).
        case sweep
    }

    /// What the worker's decode needs of a packet besides its bytes.
    struct Frame {
        var originalLength: Int
        var linkType: LinkType
    }

    var bytes: UnsafeRawBufferPointer
    var timestamp: Int64
    /// The packet's index in the run (the engine's count of packets taken).
    var index: Int
    var step: Step

    @inline(__always)
    init(_ step: Step, _ packet: Packet, index: Int) {
        self.init(step, bytes: packet.bytes, timestamp: packet.timestamp, index: index)
    }

    @inline(__always)
    init(_ step: Step, bytes: UnsafeRawBufferPointer, timestamp: Int64, index: Int) {
        self.bytes = bytes
        self.timestamp = timestamp
        self.index = index
        self.step = step
    }
}

extension Packet {
    /// What a worker's decode of this packet needs besides its bytes.
    var frame: ShardItem.Frame { .init(originalLength: originalLength, linkType: linkType) }
}

/// A fixed number of `ShardItem`s handed to a worker at once (one lock per batch) and handed
/// back empty, to be filled again: made once per run, never per packet.
final class ShardBatch: @unchecked Sendable {
    // Sendable: a batch is used by one thread at a time, the calling thread while it fills it
    // and the worker from `BatchQueue.take` until it puts it back; the queues' lock orders them.
    let items: UnsafeMutablePointer<ShardItem>
    let capacity: Int
    var count = 0
    /// The worker has every item of the packets up to this index once it has done this batch's.
    var watermark = 0
    /// Per file, an offset no item of this batch lies before (the pages the worker still reads).
    var from: [Int]
    /// The run's files, and per file the pages the calling thread's reader freed, which the
    /// worker drops (`FileLease.drop`) before its items: off the calling thread, the busiest.
    let files: [FileLease]
    var drops: [Range<Int>]

    init(capacity: Int, files: [FileLease]) {
        self.capacity = capacity
        items = .allocate(capacity: capacity)
        from = Array(repeating: 0, count: files.count)
        self.files = files
        drops = Array(repeating: 0..<0, count: files.count)
    }

    /// Drops the pages `drops` names (the worker's thread), and forgets them.
    func dropPages() {
        for f in files.indices where !drops[f].isEmpty {
            files[f].drop(drops[f])
            drops[f] = 0..<0
        }
    }

    deinit { items.deallocate() }
}

/// The calling thread's end of every worker's current batch, reached per packet through a fixed
/// pointer (no class property, no array, no reference counting per item).
struct ShardOutbox {
    /// Where worker `w`'s next item goes: slot `w - 1`.
    struct Cursor {
        var items: UnsafeMutablePointer<ShardItem>
        var count: Int
        var capacity: Int
    }

    let cursors: UnsafeMutablePointer<Cursor>
    /// Hands over a full batch (`ShardedRun.handOver`); it holds the cursors and outlives them.
    unowned(unsafe) let run: ShardedRun

    /// Appends `item` to worker `w`'s batch, handing the batch over first when it is full (the
    /// worker then has every item of the packets before this one).
    @inline(__always)
    func put(_ w: Int, _ item: ShardItem) {
        let c = cursors + (w &- 1)
        if c.pointee.count == c.pointee.capacity { run.handOver(w, watermark: item.index &- 1) }
        (c.pointee.items + c.pointee.count).initialize(to: item)
        c.pointee.count &+= 1
    }
}
