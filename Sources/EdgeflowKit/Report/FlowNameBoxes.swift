/// Boxes of the ends' DNS names (`FlowTexts` holding the two names and no other text), shared
/// by the flows whose ends carry the same names: a flow with a named end takes a reference to
/// one, not a box of its own (an allocation, six fields set, then six released and the box
/// freed: about 470 instructions a flow; the 5M capture names an end of 37,124 flows of 54,761).
///
/// Direct-mapped by the names, each box checked by them (the DNS book's strings, one per name:
/// equal storage, one compare each), replaced on a miss. A shared box is never changed:
/// a summary that sets a text copies it first (`FlowSummary.uniqueTexts`), since this table
/// holds it too. Used by one thread.
struct FlowNameBoxes {
    private var boxes = [FlowTexts?](repeating: nil, count: 1 << Self.slotBits)
    /// 256 slots: a capture names few addresses (259 in the 5M capture, with 22 pairs of names
    /// between its flows' ends), and the flows of a pair of names take one slot.
    private static let slotBits = 8

    /// The names of the last named addresses looked up, by slot (direct-mapped by address): an
    /// address keeps its name once named (`DNSBook.names`), so a slot holding it gives its name
    /// without a dictionary lookup (about 230 instructions; 37,129 on the 5M capture's end).
    private var named = [(address: IPAddress, name: String)?](repeating: nil, count: 1 << Self.slotBits)

    /// The boxes of the last pairs of ends looked up, by slot (direct-mapped by both addresses),
    /// with how many addresses the DNS book had named then: a pair's box depends on its ends'
    /// names alone, which change only when an address is named (`DNSBook.names` is only added
    /// to), so a slot holding the pair, kept at the book's count now, gives its box with no name
    /// read, retained, keyed nor compared (about 180 instructions a flow; the 5M capture's
    /// 37,124 flows with a named end run between 1,208 pairs of addresses).
    private var pairs = [(orig: IPAddress, resp: IPAddress, named: Int, box: FlowTexts?)?](repeating: nil,
                                                                                              count: 1 << Self.pairBits)
    /// 1,024 slots: most flows with a named end find their pair (86 % of the 5M capture's).
    private static let pairBits = 10

    /// The box of the names `dns` gives `orig` and `resp`; nil when it names neither. Inlined
    /// (its bit tests with it): out of line, the 5M capture's end took 1.6 M more.
    @inline(__always)
    mutating func names(_ orig: IPAddress, _ resp: IPAddress, in dns: DNSBook) -> FlowTexts? {
        // Neither end ever named (a bit test each, most flows of most captures): no box, none kept.
        guard dns.mayName(orig) || dns.mayName(resp) else { return nil }
        let named = dns.namedCount
        let slot = Int(truncatingIfNeeded: ((orig.hi ^ orig.lo) &* 0x9E37_79B9_7F4A_7C15 ^ (resp.hi ^ resp.lo) &* 0xC2B2_AE3D_27D4_EB4F)
                           >> (64 - Self.pairBits))
        if let kept = pairs[slot], kept.named == named, kept.orig == orig, kept.resp == resp { return kept.box }
        let box = box(name(orig, in: dns), name(resp, in: dns))
        pairs[slot] = (orig, resp, named, box)
        return box
    }

    /// The name `dns` gives `ip`: from its slot of `named` when it holds `ip`.
    @inline(__always)
    private mutating func name(_ ip: IPAddress, in dns: DNSBook) -> String? {
        guard dns.mayName(ip) else { return nil }
        let slot = Int(truncatingIfNeeded: ((ip.hi ^ ip.lo) &* 0x9E37_79B9_7F4A_7C15) >> (64 - Self.slotBits))
        if let kept = named[slot], kept.address == ip { return kept.name }
        let name = dns.name(of: ip)
        if let name { named[slot] = (ip, name) }
        return name
    }

    /// The box of names `o` and `r` of a flow's ends (nil when both are nil): the slot's when it
    /// holds them, else a new one kept in the slot. The slot is picked by the names, not the
    /// ends' addresses: many addresses carry one name (the 5M capture's 259 named addresses carry
    /// 22 pairs of names), and addresses of other names sharing a slot took turns in it, a box
    /// made at each turn (7,008 for 37,124 flows).
    mutating func box(_ o: String?, _ r: String?) -> FlowTexts? {
        guard o != nil || r != nil else { return nil }
        // An unnamed end (most flows' client) does not pick the slot: its flows share the named end's.
        let a = o.map { Self.key($0) &* 0x9E37_79B9_7F4A_7C15 } ?? 0
        let b = r.map { Self.key($0) &* 0xC2B2_AE3D_27D4_EB4F } ?? 0
        let slot = Int(truncatingIfNeeded: (a ^ b) >> (64 - Self.slotBits))
        if let kept = boxes[slot], kept.origName == o, kept.respName == r { return kept }
        let made = FlowTexts(origName: o, respName: r)
        boxes[slot] = made
        return made
    }

    /// A name's slot key: its length and its first and last eight bytes (all its bytes when
    /// fewer), read in place.
    @inline(__always)
    private static func key(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { u in
            var k = UInt64(truncatingIfNeeded: u.count)
            guard let start = u.baseAddress else { return k }
            if u.count >= 8 {
                let raw = UnsafeRawPointer(start)
                k ^= raw.loadUnaligned(as: UInt64.self) &* 0xFF51_AFD7_ED55_8CCD
                k ^= raw.loadUnaligned(fromByteOffset: u.count &- 8, as: UInt64.self)
            } else {
                for byte in u { k = k << 8 | UInt64(byte) }
            }
            return k ^ k >> 29
        }
    }
}
