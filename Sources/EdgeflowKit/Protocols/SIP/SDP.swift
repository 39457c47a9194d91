/// The lines of an SDP body (RFC 8866) that tie signalling to media: `c=` (RFC 8866 §5.7),
/// `m=` (§5.14: port and payload types), `a=rtpmap` (§6.6: payload type → encoding and clock)
/// and `a=fingerprint` (RFC 8122 §5). Parsing gives byte ranges into the body and fixed-size
/// values; nothing is allocated. Bounded: at most `mediaSlots` media sections, `typeSlots`
/// payload types and `rtpmapSlots` rtpmaps each; lines past those are skipped.
public struct SDPDescription: Sendable, BitwiseCopyable {
    public static let mediaSlots = 4
    static let typeSlots = 16
    static let rtpmapSlots = 8

    /// One `m=` section, with the `c=` address that applies to it.
    struct Media: Sendable, BitwiseCopyable {
        /// The connection address text (the section's own `c=`, else the session's).
        var address: ByteRange? = nil
        var port: UInt16 = 0
        var typeCount = 0
        var payloadTypes = InlineArray<16, UInt8>(repeating: 0)
        var rtpmapCount = 0
        var rtpmapType = InlineArray<8, UInt8>(repeating: 0)
        /// The encoding name of each rtpmap.
        var rtpmapName = InlineArray<8, ByteRange>(repeating: ByteRange(offset: 0, length: 0))
        var rtpmapClock = InlineArray<8, UInt32>(repeating: 0)
    }

    /// Media sections read (at most `mediaSlots`).
    public private(set) var mediaCount = 0
    var media = InlineArray<4, Media>(repeating: Media())
    /// The first `a=fingerprint` value ("sha-256 AB:CD:..."), session or media level.
    var fingerprint: ByteRange? = nil

    /// Parses `b`, an SDP body (lines ending in CRLF or LF). Lines it does not read, and
    /// malformed ones, are skipped: a hostile body gives fewer media, never a trap.
    public static func parse(_ b: UnsafeRawBufferPointer) -> SDPDescription {
        var d = SDPDescription()
        var sessionAddress: ByteRange? = nil
        // In the session part (before any m=), in a kept media section, or in one past the slots.
        var inSession = true, inMedia = false
        var start = 0
        while start < b.count {
            var end = start
            while end < b.count && b[end] != 0x0A { end &+= 1 }
            var e = end
            if e > start && b[e &- 1] == 0x0D { e &-= 1 }
            if e &- start >= 2 && b[start &+ 1] == 0x3D {  // "x="
                let v = start &+ 2
                switch b[start] {
                case 0x63:  // c=
                    if let a = connectionAddress(b, v, e) {
                        if inMedia { d.media[d.mediaCount &- 1].address = a } else if inSession { sessionAddress = a }
                    }
                case 0x6D:  // m=
                    inSession = false
                    inMedia = false
                    if d.mediaCount < mediaSlots, let m = mediaLine(b, v, e) {
                        var m = m
                        m.address = sessionAddress
                        d.media[d.mediaCount] = m
                        d.mediaCount &+= 1
                        inMedia = true
                    }
                case 0x61:  // a=
                    if inMedia, hasPrefix(b, v, e, "rtpmap:") {
                        rtpmap(b, v &+ 7, e, &d.media[d.mediaCount &- 1])
                    } else if d.fingerprint == nil, hasPrefix(b, v, e, "fingerprint:") {
                        d.fingerprint = ByteRange(offset: v &+ 12, length: e &- v &- 12)
                    }
                default:
                    break
                }
            }
            start = end &+ 1
        }
        return d
    }

    /// "IN IP4 192.0.2.1" (or IP6; a multicast "/ttl" suffix is cut): the address's range.
    private static func connectionAddress(_ b: UnsafeRawBufferPointer, _ v: Int, _ e: Int) -> ByteRange? {
        guard hasPrefix(b, v, e, "IN IP4 ") || hasPrefix(b, v, e, "IN IP6 ") else { return nil }
        let s = v &+ 7
        var x = s
        while x < e && b[x] != 0x2F && b[x] != 0x20 { x &+= 1 }
        guard x > s, x &- s <= 45 else { return nil }
        return ByteRange(offset: s, length: x &- s)
    }

    /// "audio 49170 RTP/AVP 0 8 111": the port and payload types (a port of 0 is a rejected
    /// stream, RFC 3264 §6, and read as no section).
    private static func mediaLine(_ b: UnsafeRawBufferPointer, _ v: Int, _ e: Int) -> Media? {
        var x = v
        while x < e && b[x] != 0x20 { x &+= 1 }  // media
        x &+= 1
        guard let (port, after) = number(b, x, e), port > 0, port <= 65535 else { return nil }
        x = after
        if x < e && b[x] == 0x2F { x &+= 1; while x < e && b[x] != 0x20 { x &+= 1 } }  // "/count"
        guard x < e, b[x] == 0x20 else { return nil }
        x &+= 1
        while x < e && b[x] != 0x20 { x &+= 1 }  // proto
        var m = Media()
        m.port = UInt16(port)
        while x < e && m.typeCount < typeSlots {
            x &+= 1
            guard let (pt, after) = number(b, x, e) else { break }
            if pt < 128 {
                m.payloadTypes[m.typeCount] = UInt8(pt)
                m.typeCount &+= 1
            }
            x = after
        }
        return m
    }

    /// "111 opus/48000/2": the type, the encoding name and its clock.
    private static func rtpmap(_ b: UnsafeRawBufferPointer, _ v: Int, _ e: Int, _ m: inout Media) {
        guard m.rtpmapCount < rtpmapSlots, let (pt, after) = number(b, v, e), pt < 128, after < e, b[after] == 0x20 else { return }
        let s = after &+ 1
        var x = s
        while x < e && b[x] != 0x2F { x &+= 1 }
        guard x > s, x < e, let (clock, _) = number(b, x &+ 1, e), clock > 0 else { return }
        m.rtpmapType[m.rtpmapCount] = UInt8(pt)
        m.rtpmapName[m.rtpmapCount] = ByteRange(offset: s, length: x &- s)
        m.rtpmapClock[m.rtpmapCount] = UInt32(clock)
        m.rtpmapCount &+= 1
    }

    /// A decimal number of 1-9 digits at `x`, and the index after it.
    private static func number(_ b: UnsafeRawBufferPointer, _ x: Int, _ e: Int) -> (Int, Int)? {
        var i = x
        var n = 0
        while i < e, i &- x < 9, b[i] >= 0x30, b[i] <= 0x39 {
            n = n &* 10 &+ Int(b[i] &- 0x30)
            i &+= 1
        }
        return i > x ? (n, i) : nil
    }

    private static func hasPrefix(_ b: UnsafeRawBufferPointer, _ at: Int, _ end: Int, _ s: StaticString) -> Bool {
        let l = s.utf8CodeUnitCount
        guard end &- at >= l else { return false }
        let p = s.utf8Start
        for j in 0..<l where b[at &+ j] != p[j] { return false }
        return true
    }
}
