/// Addresses in words: the text every message, table and JSON field uses, written straight
/// into the report's buffer.
extension IPAddress {
    /// Text form: dotted quad for IPv4-mapped addresses, RFC 5952 for IPv6.
    public var text: String {
        var w = JSONWriter(capacity: 48)
        appendText(to: &w)
        return w.text
    }

    /// With a port: "192.0.2.1:5061", or "[2001:db8::1]:5061" (RFC 5952 §6) so that the port
    /// cannot be read as part of an IPv6 address. Every message and table uses this form.
    public func text(port: UInt16) -> String {
        var w = JSONWriter(capacity: 56)
        w.appendEndpoint(self, port: port, bracketed: !isIPv4Mapped)
        return w.text
    }

    /// RFC 5952 text, also for IPv4-mapped addresses ("::ffff:a.b.c.d" stays in hex groups).
    public var ipv6Text: String {
        var w = JSONWriter(capacity: 48)
        w.withRoom(Self.textRoom) { writeIPv6Text(&$0) }
        return w.text
    }

    /// Appends `text` as UTF-8 (the report writes addresses without making a `String`).
    func appendText(to out: inout JSONWriter) {
        out.withRoom(Self.textRoom) { writeText(&$0) }
    }

    /// Room `writeText` may take: eight groups of four hex digits and seven colons.
    static let textRoom = 39

    /// Writes `text` at a cursor with room for `textRoom` bytes.
    @inline(__always)
    func writeText(_ c: inout JSONCursor) {
        guard isIPv4Mapped else { return writeIPv6Text(&c) }
        c.ipv4(ipv4Value)
    }

    /// RFC 5952: lower-case hex, leading zeros dropped, the longest run of two or more zero
    /// groups (the first when tied) shortened to `::`.
    fileprivate func writeIPv6Text(_ c: inout JSONCursor) {
        func group(_ i: Int) -> UInt64 { (i < 4 ? hi >> UInt64(48 - 16 * i) : lo >> UInt64(48 - 16 * (i - 4))) & 0xFFFF }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if group(i) == 0 {
                var j = i
                while j < 8 && group(j) == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        if bestLen < 2 { bestStart = -1 }
        i = 0
        var afterGap = false
        while i < 8 {
            if i == bestStart {
                c.byte(0x3A)
                c.byte(0x3A)
                i += bestLen
                afterGap = true
                continue
            }
            if i > 0 && !afterGap { c.byte(0x3A) }
            afterGap = false
            c.hex(group(i))
            i += 1
        }
    }
}
