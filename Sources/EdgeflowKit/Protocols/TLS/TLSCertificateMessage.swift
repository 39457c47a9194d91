/// Certificate message (RFC 5246 §7.4.2; RFC 8446 §4.4.2): the DER certificates of one
/// side, copied out of the stream once per connection (cold path).
public struct TLSCertificateList: Sendable, Equatable {
    /// The certificate_list bytes as sent (3-byte length prefixes included).
    public private(set) var bytes: [UInt8]
    /// Byte ranges in `bytes` of each DER certificate, in the order sent (leaf first).
    public private(set) var ranges: [Range<Int>]
    /// The list or an entry's length ran past the message; the entries before it are kept.
    public private(set) var truncated: Bool
    /// Capture time of the record that completed the message.
    public var timestamp: Int64

    public var count: Int { ranges.count }
    public var isEmpty: Bool { ranges.isEmpty }

    /// The DER bytes of certificate `i`.
    public func der(_ i: Int) -> ArraySlice<UInt8> { bytes[ranges[i]] }

    public init(bytes: [UInt8], ranges: [Range<Int>], truncated: Bool, timestamp: Int64) {
        self.bytes = bytes
        self.ranges = ranges
        self.truncated = truncated
        self.timestamp = timestamp
    }

    /// Parses a Certificate body (after the 4-byte handshake header). With `tls13`, the
    /// body starts with a request context and every entry ends with extensions. Throws only
    /// when not even the list length is there; a list cut short is kept as `truncated`.
    public static func parse(_ b: UnsafeRawBufferPointer, tls13: Bool = false, timestamp: Int64) throws(TLSFailure) -> TLSCertificateList {
        var o = 0
        if tls13 {
            guard b.count >= 1 else { throw TLSFailure(.truncatedCertificateList, at: 0) }
            o = 1 &+ Int(b.u8(0))
            guard o <= b.count else { throw TLSFailure(.truncatedCertificateList, at: 0) }  // the context overruns
        }
        guard b.count >= o &+ 3 else { throw TLSFailure(.truncatedCertificateList, at: o) }
        let listLen = Int(b.u8(o)) << 16 | Int(b.be16(o &+ 1))
        o &+= 3
        let end = min(o &+ listLen, b.count)
        let list = UnsafeRawBufferPointer(rebasing: b[o..<end])
        let copy = [UInt8](list)
        // The entries counted first: their ranges take one allocation, not one per doubling.
        var count = 0
        let cut = entries(list, tls13: tls13) { _ in count &+= 1 }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        _ = entries(list, tls13: tls13) { ranges.append($0) }
        return TLSCertificateList(bytes: copy, ranges: ranges, truncated: cut || o &+ listLen > b.count, timestamp: timestamp)
    }

    /// Calls `entry` with the range of each DER certificate in `list` (a certificate_list's
    /// bytes), in order; true when an entry (or, with `tls13`, its extensions' length) runs past the end.
    @inline(__always)
    private static func entries(_ list: UnsafeRawBufferPointer, tls13: Bool, _ entry: (Range<Int>) -> Void) -> Bool {
        var i = 0
        let n = list.count
        while i < n {
            guard i &+ 3 <= n else { return true }
            let l = Int(list.u8(i)) << 16 | Int(list.be16(i &+ 1))
            guard i &+ 3 &+ l <= n else { return true }
            entry((i &+ 3)..<(i &+ 3 &+ l))
            i &+= 3 &+ l
            if tls13 {
                guard i &+ 2 <= n else { return true }
                i &+= 2 &+ Int(list.be16(i))
            }
        }
        return false
    }
}

/// What the client did about its certificate.
public enum TLSClientCertificateStatus: UInt8, Sendable, BitwiseCopyable {
    /// No client Certificate message was seen.
    case absent
    /// A Certificate message with zero certificates.
    case empty
    /// A Certificate message with at least one certificate.
    case present
    /// TLS 1.3: the client's flight is encrypted, so it cannot be seen.
    case encrypted
}
