/// The ICE sessions one flow's connectivity checks belong to: the ufrag pairs of the USERNAME
/// of its Binding requests ("RFRAG:LFRAG", RFC 8445 §7.2.2 and RFC 5245 §7.1.2.3; [MS-ICE2]
/// §3.1.5.2.2 takes the same form: two values separated by a colon, the first the receiver's
/// ufrag; a USERNAME without a colon, as older ICE drafts made, is not read). A pair is kept normalised, the two ufrags in byte order, so the checks of both
/// directions (which swap them) give one pair. Fixed-size: at most `slots` pairs of at most
/// `pairBytes` bytes each; more pairs, and longer ones or ones without a colon, are counted in
/// `skipped`. Nothing is allocated until the report asks for `pairs`.
struct ICEPairs: Sendable, BitwiseCopyable {
    static let slots = 4
    /// Longest normalised pair kept ("a:b"; RFC 8445 §5.3 allows ufrags of 4-256 characters,
    /// implementations use 4-32).
    static let pairBytes = 64

    private var bytes = InlineArray<256, UInt8>(repeating: 0)
    private var lengths = InlineArray<4, UInt8>(repeating: 0)
    private(set) var count = 0
    /// USERNAMEs not kept: no room, too long, or not "a:b" with both parts non-empty.
    private(set) var skipped = 0

    /// Notes the USERNAME of a Binding request.
    mutating func note(username u: UnsafeRawBufferPointer) {
        var colon = 0
        while colon < u.count && u[colon] != 0x3A { colon &+= 1 }
        guard colon > 0, colon &+ 1 < u.count, u.count <= Self.pairBytes else { skipped &+= 1; return }
        let first = UnsafeRawBufferPointer(rebasing: u[..<colon])
        let second = UnsafeRawBufferPointer(rebasing: u[(colon &+ 1)...])
        let swap = second.lexicographicallyPrecedes(first)
        let (a, b) = swap ? (second, first) : (first, second)
        for i in 0..<count where matches(i, a, b) { return }
        guard count < Self.slots else { skipped &+= 1; return }
        var o = count &* Self.pairBytes
        for c in a { bytes[o] = c; o &+= 1 }
        bytes[o] = 0x3A
        o &+= 1
        for c in b { bytes[o] = c; o &+= 1 }
        lengths[count] = UInt8(u.count)
        count &+= 1
    }

    /// Whether slot `i` holds `a:b`.
    private func matches(_ i: Int, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard Int(lengths[i]) == a.count &+ 1 &+ b.count else { return false }
        var o = i &* Self.pairBytes
        for c in a { if bytes[o] != c { return false }; o &+= 1 }
        guard bytes[o] == 0x3A else { return false }
        o &+= 1
        for c in b { if bytes[o] != c { return false }; o &+= 1 }
        return true
    }

    /// The normalised pairs as text ("a:b", a before b), in the order first seen (allocates).
    /// Each read from its slot's bytes in place: no array per pair, no copy of the slots (an
    /// `InlineArray` read by subscript in a loop is copied for each read).
    var pairs: [String] {
        let all = bytes.span, lengths = lengths
        var out: [String] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let start = i &* Self.pairBytes
            out.append(all.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[start..<start &+ Int(lengths[i])]), as: UTF8.self)
            })
        }
        return out
    }
}
