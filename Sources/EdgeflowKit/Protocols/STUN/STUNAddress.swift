/// A transport address read from a STUN address attribute (RFC 8489 §14.1, §14.2).
/// IPv4 is kept IPv4-mapped in `ip`, as everywhere in edgeflow.
public struct STUNAddress: Sendable, BitwiseCopyable, Equatable {
    public var ip: IPAddress
    public var port: UInt16
    /// 1 = IPv4, 2 = IPv6 (RFC 8489 §14.1).
    public var family: UInt8

    public init(ip: IPAddress, port: UInt16, family: UInt8) {
        self.ip = ip; self.port = port; self.family = family
    }

    public var isIPv4: Bool { family == 1 }

    /// "192.0.2.1:32853" or "[2001:db8::1]:32853" (cold path).
    public var text: String {
        var w = JSONWriter(capacity: 64)
        w.appendEndpoint(ip, port: port, bracketed: !isIPv4)
        return w.text
    }

    /// A plain address value: `0x00 | family | port | address` (RFC 8489 §14.1). `v` and `l` are
    /// the value's offset and length; nil unless the length fits the family (8 or 20). Inlined:
    /// an attribute walk has checked most of what it checks.
    @inline(__always)
    public static func plain(_ p: UnsafeRawBufferPointer, value v: Int, length l: Int) -> STUNAddress? {
        guard l >= 4, v &+ l <= p.count else { return nil }
        return plain(walked: p, value: v, length: l)
    }

    /// `plain` for a value an attribute walk found within `p` (`STUNAttributeWalker.walk` checked
    /// that its length fits): the length (8 or 20 bytes) and the family alone are checked, the
    /// length first, as the walk does not check that a value holds the family and port (a value
    /// of length 0 may end the message).
    @inline(__always)
    static func plain(walked p: UnsafeRawBufferPointer, value v: Int, length l: Int) -> STUNAddress? {
        if l == 8, p.u8(v &+ 1) == 1 {
            return STUNAddress(ip: IPAddress(ipv4: p.be32(v &+ 4)), port: p.be16(v &+ 2), family: 1)
        }
        if l == 20, p.u8(v &+ 1) == 2 {
            return STUNAddress(ip: IPAddress(hi: p.be64(v &+ 4), lo: p.be64(v &+ 12)), port: p.be16(v &+ 2), family: 2)
        }
        return nil
    }

    /// An XOR'd address value (RFC 8489 §14.2): the port XOR the top 16 bits of the cookie,
    /// IPv4 XOR the cookie, IPv6 XOR header bytes 4..19 (cookie + transaction ID). Using header
    /// bytes 4..19 also decodes MS-TURN's 0x8020, which XORs with the leading bits of its
    /// 128-bit transaction ID (MS-TURN §2.2.2.16). `p` must start with the message header.
    /// Inlined, as `plain` is.
    @inline(__always)
    public static func xor(_ p: UnsafeRawBufferPointer, value v: Int, length l: Int) -> STUNAddress? {
        guard l >= 4, p.count >= 20, v &+ l <= p.count else { return nil }
        return xor(walked: p, value: v, length: l)
    }

    /// `xor` for a value an attribute walk found within `p`, after its 20-byte header
    /// (`STUNAttributeWalker.walk` checked both): the length and the family alone are checked,
    /// the length first (as in `plain(walked:value:length:)`).
    @inline(__always)
    static func xor(walked p: UnsafeRawBufferPointer, value v: Int, length l: Int) -> STUNAddress? {
        if l == 8, p.u8(v &+ 1) == 1 {
            return STUNAddress(ip: IPAddress(ipv4: p.be32(v &+ 4) ^ p.be32(4)), port: p.be16(v &+ 2) ^ p.be16(4), family: 1)
        }
        if l == 20, p.u8(v &+ 1) == 2 {
            return STUNAddress(ip: IPAddress(hi: p.be64(v &+ 4) ^ p.be64(4), lo: p.be64(v &+ 12) ^ p.be64(12)),
                               port: p.be16(v &+ 2) ^ p.be16(4), family: 2)
        }
        return nil
    }
}
