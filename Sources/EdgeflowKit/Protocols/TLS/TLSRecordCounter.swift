/// Counts the TLS records of one direction after the handshake, from in-order segments,
/// without buffering: only a partial 5-byte record header is kept between segments.
/// Application data and alerts are counted; a hole in the stream ends the counting.
struct TLSRecordCounter: Sendable, BitwiseCopyable {
    private(set) var active = false
    private(set) var lostSync = false
    private var cursor: UInt32 = 0
    private var skip = 0
    private var header = InlineArray<5, UInt8>(repeating: 0)
    private var headerHave = 0
    private(set) var applicationData = 0
    private(set) var alerts = 0

    /// Starts at the stream position of a record header.
    mutating func start(at seq: UInt32) {
        active = true
        cursor = seq
    }

    mutating func feed(seq: UInt32, _ p: UnsafeRawBufferPointer) {
        guard active, !lostSync, p.count > 0 else { return }
        let n = UInt32(truncatingIfNeeded: p.count)
        var bytes = p
        if seq != cursor {
            let ahead = Int32(bitPattern: seq &- cursor)
            if Int32(bitPattern: (seq &+ n) &- cursor) <= 0 { return }  // old data again
            guard ahead < 0 else { lostSync = true; return }          // a hole: stop counting
            bytes = UnsafeRawBufferPointer(rebasing: p[Int(-ahead)...])  // overlap: keep the new part
        }
        var i = 0
        while i < bytes.count {
            if skip > 0 {
                let t = min(skip, bytes.count - i)
                skip -= t
                i += t
                continue
            }
            header[headerHave] = bytes[i]
            headerHave += 1
            i += 1
            guard headerHave == 5 else { continue }
            headerHave = 0
            let type = header[0]
            guard type >= TLSContentType.changeCipherSpec.rawValue, type <= TLSContentType.heartbeat.rawValue, header[1] == 3 else { lostSync = true; return }
            if type == TLSContentType.applicationData.rawValue { applicationData += 1 } else if type == TLSContentType.alert.rawValue { alerts += 1 }
            skip = Int(header[3]) << 8 | Int(header[4])
        }
        cursor = cursor &+ UInt32(truncatingIfNeeded: bytes.count)
    }
}
