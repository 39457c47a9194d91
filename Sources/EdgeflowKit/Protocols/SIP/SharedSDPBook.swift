import Synchronization

/// The SDP book that the capture sockets of `live --threads N` share: each socket's thread sees
/// only its own flows, and a SIP flow may land on another socket than the media it sets up.
/// Behind a lock, taken only for a SIP packet and for a new RTP stream of a dynamic payload type
/// without a clock, never per packet. The threads run apart in capture time, so every endpoint
/// is stamped with the capture time of the SDP that named it last, and a stream takes only an
/// SDP stamped at or before its first packet. Unlike one thread, a stream whose endpoint a later
/// SDP named again before its socket met it finds that one only, and takes no clock.
final class SharedSDPBook: Sendable {
    private let book = Mutex(SDPBook())

    /// Reads the SDP bodies of the SIP messages in `p` (`SDPBook.note`), captured at `timestamp` (ns).
    func note(_ p: UnsafeRawBufferPointer, datagram: Bool, timestamp: Int64) {
        book.withLock { $0.note(p, datagram: datagram, timestamp: timestamp) }
    }

    /// The clock and codec the latest SDP that named `end` gave `pt`, if captured at or before `first` (ns).
    func clock(_ pt: UInt8, at end: SDPBook.Endpoint, notAfter first: Int64) -> (rate: UInt32, codec: RTPCodec)? {
        book.withLock { $0.clock(pt, at: end, notAfter: first) }
    }

    /// Endpoints dropped to make room for newer ones.
    var evicted: Int { book.withLock { $0.evicted } }
}
