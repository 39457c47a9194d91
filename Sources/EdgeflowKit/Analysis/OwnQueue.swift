/// The calling thread's own plain datagrams and segments in a sharded run, each tracked
/// `LookupAhead.depth` own packets after it was routed, so that its flow's lookup is prefetched
/// one level per own packet, as one thread's are (`LookupAhead`), from the fields routing read
/// (no frame read again, and nothing done for the packets handed to a worker). Whatever else
/// reads or changes the calling thread's flow table (a packet decoded here, SIP noted, an ICMP
/// error attributed, a sweep, the hand-over of the batches before the replay, the end of a file)
/// tracks the waiting packets first (`drain`), so that the table sees its packets in their order.
/// The packets' bytes stay in the mapping meanwhile (its reader drops pages megabytes behind).
struct OwnQueue {
    /// A plain frame of the calling thread's flows, read and routed, not tracked yet.
    struct Waiting {
        enum Plain {
            case datagram(PlainDatagram)
            case segment(PlainSegment)
        }

        var plain: Plain
        var bytes: UnsafeRawBufferPointer
        var timestamp: Int64
        var index: Int
    }

    /// `LookupAhead.depth` places, owned by the run (`ShardedRun`), oldest at `next` when full.
    private let places: UnsafeMutablePointer<Waiting>
    private var next = 0
    private var waiting = 0

    init(places: UnsafeMutablePointer<Waiting>) {
        self.places = places
    }

    /// Queues `p`, whose flow is `ends`, taking the lookups of the waiting packets one level
    /// further on `t`; when the queue was full, its oldest packet is tracked (by `w`, counted in `counts`).
    @inline(__always)
    mutating func add(_ p: Waiting, ends: LookupAhead.Ends, _ w: ShardWorker, _ counts: inout CaptureSummary,
                      _ t: inout FlowTracker) {
        t.prefetch(ahead: ends)
        if waiting == LookupAhead.depth { Self.track(places[next], w, &counts, &t) } else { waiting &+= 1 }
        places[next] = p
        next = next == LookupAhead.depth &- 1 ? 0 : next &+ 1
    }

    /// Tracks every waiting packet, oldest first.
    @inline(__always)
    mutating func drain(_ w: ShardWorker, _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        if waiting > 0 { drainWaiting(w, &counts, &t) }
    }

    @inline(never)
    private mutating func drainWaiting(_ w: ShardWorker, _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        var k = next &- waiting
        if k < 0 { k &+= LookupAhead.depth }
        while waiting > 0 {
            Self.track(places[k], w, &counts, &t)
            k = k == LookupAhead.depth &- 1 ? 0 : k &+ 1
            waiting &-= 1
        }
    }

    /// `p` tracked as one thread tracks it (`FlowTracker.trackDatagram` / `trackSegment`).
    @inline(__always)
    private static func track(_ p: Waiting, _ w: ShardWorker, _ counts: inout CaptureSummary, _ t: inout FlowTracker) {
        switch p.plain {
        case .datagram(let u): w.track(u, timestamp: p.timestamp, bytes: p.bytes, index: p.index, &counts, &t)
        case .segment(let s): trackSegment(s, p, w, &counts, &t)
        }
    }

    /// A segment out of line (fewer than the datagrams), so that the reading loop stays small
    /// enough to have the datagram's path inlined whole.
    @inline(never)
    private static func trackSegment(_ s: PlainSegment, _ p: Waiting, _ w: ShardWorker, _ counts: inout CaptureSummary,
                                     _ t: inout FlowTracker) {
        w.track(s, timestamp: p.timestamp, bytes: p.bytes, index: p.index, &counts, &t)
    }
}
