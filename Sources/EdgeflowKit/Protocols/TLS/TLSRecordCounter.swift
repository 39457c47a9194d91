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
        let count = bytes.count
        while i < count {
            if skip > 0 {
                let t = min(skip, count &- i)
                skip &-= t
                i &+= t
                continue
            }
            if headerHave == 0 && count &- i >= 5 {
                // A whole record header in the segment (the commonest case): read where it is.
                guard record(type: bytes.u8(i), major: bytes.u8(i &+ 1), length: Int(bytes.be16(i &+ 3))) else { return }
                i &+= 5
                continue
            }
            header[headerHave] = bytes[i]
            headerHave += 1
            i += 1
            guard headerHave == 5 else { continue }
            headerHave = 0
            guard record(type: header[0], major: header[1], length: Int(header[3]) << 8 | Int(header[4])) else { return }
        }
        cursor = cursor &+ UInt32(truncatingIfNeeded: count)
    }

    /// A record header's content type, major version and length: counted, and its body skipped
    /// next; false (the count stops: `lostSync`) when it is no TLS record header.
    @inline(__always)
    private mutating func record(type: UInt8, major: UInt8, length: Int) -> Bool {
        guard type >= TLSContentType.changeCipherSpec.rawValue, type <= TLSContentType.heartbeat.rawValue, major == 3 else {
            lostSync = true
            return false
        }
        if type == TLSContentType.applicationData.rawValue { applicationData += 1 } else if type == TLSContentType.alert.rawValue { alerts += 1 }
        skip = length
        return true
    }
}
