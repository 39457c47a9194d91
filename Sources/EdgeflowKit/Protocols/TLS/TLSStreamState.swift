/// A TCP flow followed as TLS: the handshake parsed from the reassembled stream, then each
/// direction's records counted without buffering once the handshake is over.
struct TLSStreamState: Sendable {
    var session: TLSSession
    /// TLS records counted per direction once the handshake buffers are released.
    var origRecords = TLSRecordCounter()
    var respRecords = TLSRecordCounter()

    /// - Parameter midStream: the connection was captured without its SYN.
    init(midStream: Bool) { session = TLSSession(midStream: midStream) }

    /// Parses one direction's contiguous bytes; returns the bytes used. `stop` is set once
    /// the handshake is over (the rest is encrypted and not copied), unless the direction is
    /// still looking for its first record header.
    mutating func consume(_ direction: StreamDirection, _ bytes: UnsafeRawBufferPointer, timestamp: Int64, stop: inout Bool) -> Int {
        let n = session.feed(direction: direction, bytes: bytes, timestamp: timestamp)
        stop = (!session.wantsBytes(direction) || session.outcome != .incomplete) && !session.synchronising(direction)
        return n
    }

    /// Counts one direction's records from stream position `seq` on (where the parser stopped;
    /// `rest` are the bytes already reassembled there).
    mutating func countRecords(_ direction: StreamDirection, from seq: UInt32, _ rest: UnsafeRawBufferPointer) {
        var counter = TLSRecordCounter()
        counter.start(at: seq)
        counter.feed(seq: seq, rest)
        if direction == .orig { origRecords = counter } else { respRecords = counter }
    }
}
