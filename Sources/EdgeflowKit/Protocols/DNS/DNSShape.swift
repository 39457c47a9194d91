/// Where a DNS message holds what `DNSBook` learns nothing from but its addresses: every
/// record's TTL, and the data of the A and AAAA records `DNSBook.record` names (those of the
/// answer and additional sections that `DNSMessage.parse` keeps, the first
/// `DNSMessage.maxRecordsPerSection` of each). Found in place, without parsing.
///
/// Two messages equal but for their IDs and these bytes parse to the same header, questions,
/// names, record types and SRV data, and so to the same effect on the book but for the
/// addresses named, which lie at the same offsets in both (`address(_:in:)`): a resolver's
/// answers to one question differ in their TTLs as its cache ages, and round-robin names in
/// their addresses. `DNSBook` keeps a parsed message's effect by `hash` and replays it for such
/// a message. For that to hold, nothing the parse reads may depend on those bytes, so the shape
/// is nil (the message is parsed, or found by its own bytes) unless every name lies in place or
/// points back to bytes read before that hold no TTL nor address; also for a message longer
/// than `maxLength`, with more than `maxSpans` such fields, or one the parse would refuse for a
/// record's data (an A record's not 4 bytes long, an AAAA record's not 16, an SRV record's
/// shorter than 7) or for a label type (the walk stops there: the message is parsed).
struct DNSShape {
    /// The longest message shaped (its bytes are copied to the stack to be hashed).
    static let maxLength = 512
    /// Most TTLs and addresses a shaped message holds.
    static let maxSpans = 16

    /// The TTLs and addresses, in the message's order: offset and length (4, or 16 for AAAA).
    private var spanStart = InlineArray<16, UInt16>(repeating: 0)
    private var spanLength = InlineArray<16, UInt8>(repeating: 0)
    private(set) var spanCount = 0
    /// The spans that are addresses `DNSBook` names, in the order it names them.
    private var addressSpan = InlineArray<16, UInt8>(repeating: 0)
    private(set) var addressCount = 0
    /// Where the question section ends: no TTL nor address lies before it.
    private var questionEnd = 0

    /// The shape of message `p`, nil when it has none (see the type's description).
    init?(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        guard n >= DNSHeader.size, n <= Self.maxLength else { return nil }
        var o = DNSHeader.size
        for _ in 0..<Int(p.be16(4)) {
            // A question's name in place only: what it points to is not known to hold no TTL yet.
            guard skipName(p, &o, pointers: false), o &+ 4 <= n else { return nil }
            o &+= 4
        }
        questionEnd = o
        for section in 0..<3 {
            let count = Int(p.be16(6 &+ 2 &* section))
            for i in 0..<count {
                guard skipName(p, &o, pointers: true), o &+ 10 <= n else { return nil }
                let type = p.be16(o)
                let length = Int(p.be16(o &+ 8))
                guard note(span: o &+ 4, length: 4) else { return nil }
                o &+= 10
                guard o &+ length <= n else { return nil }
                // The parse keeps the first records of each section; the book names the addresses of
                // the answers and the additional records.
                let kept = i < DNSMessage.maxRecordsPerSection
                switch type {
                case DNSType.a where kept:
                    guard length == 4, note(span: o, length: 4, address: section != 1) else { return nil }
                case DNSType.aaaa where kept:
                    guard length == 16, note(span: o, length: 16, address: section != 1) else { return nil }
                case DNSType.srv where kept:
                    // The target's name, within the data (else the parse refuses it).
                    var t = o &+ 6
                    guard length >= 7, skipName(p, &t, pointers: true), t <= o &+ length else { return nil }
                case DNSType.cname where kept:
                    var t = o
                    guard skipName(p, &t, pointers: true), t <= o &+ length else { return nil }
                default:
                    break
                }
                o &+= length
            }
        }
    }

    /// The message's hash without its ID, TTLs and addresses (`DNSBook.hashWithoutID` of its
    /// bytes with those zeroed), from `basis`.
    func hash(_ p: UnsafeRawBufferPointer, basis: UInt64) -> UInt64 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.maxLength / 8) { words in
            let copy = UnsafeMutableRawBufferPointer(words)
            copy.copyMemory(from: p)
            for k in 0..<spanCount {
                let start = Int(spanStart[k])
                UnsafeMutableRawBufferPointer(rebasing: copy[start..<(start &+ Int(spanLength[k]))]).initializeMemory(as: UInt8.self, repeating: 0)
            }
            return DNSBook.hashWithoutID(UnsafeRawBufferPointer(rebasing: copy[0..<p.count]), basis: basis)
        }
    }

    /// The `k`th address `DNSBook` names in message `p` (`k < addressCount`).
    func address(_ k: Int, in p: UnsafeRawBufferPointer) -> IPAddress {
        let span = Int(addressSpan[k])
        let at = Int(spanStart[span])
        return spanLength[span] == 4 ? IPAddress(ipv4: p.be32(at)) : IPAddress(hi: p.be64(at), lo: p.be64(at &+ 8))
    }

    /// Keeps a TTL or an address at `start`; false when there are more than `maxSpans`.
    private mutating func note(span start: Int, length: Int, address: Bool = false) -> Bool {
        guard spanCount < Self.maxSpans else { return false }
        spanStart[spanCount] = UInt16(truncatingIfNeeded: start)
        spanLength[spanCount] = UInt8(truncatingIfNeeded: length)
        if address {
            addressSpan[addressCount] = UInt8(truncatingIfNeeded: spanCount)
            addressCount &+= 1
        }
        spanCount &+= 1
        return true
    }

    /// Moves `o` past the name in place there (its labels, then a zero or a pointer). A
    /// pointer is taken only with `pointers`, and only when the name it points to is read from
    /// bytes before `o` that hold no TTL nor address (`readsKnownBytes`).
    private mutating func skipName(_ p: UnsafeRawBufferPointer, _ o: inout Int, pointers: Bool) -> Bool {
        let n = p.count
        while o < n {
            let len = Int(p.u8(o))
            switch len & 0xC0 {
            case 0x00:
                o &+= 1 &+ len
                if len == 0 { return true }
            case 0xC0:
                guard pointers, o &+ 1 < n, readsKnownBytes(p, from: (len & 0x3F) << 8 | Int(p.u8(o &+ 1)), before: o) else { return false }
                o &+= 2
                return true
            default:
                return false
            }
        }
        return false
    }

    /// Whether the name read from `start` (as `DNSMessage.readName` reads it: labels, pointers)
    /// reads only bytes after the header and before `end` that hold no TTL nor address kept so
    /// far. False as well for a label type the parse refuses, or past 16 labels and pointers.
    /// Mutating (it changes nothing): non-mutating, each call copied the shape first.
    private mutating func readsKnownBytes(_ p: UnsafeRawBufferPointer, from start: Int, before end: Int) -> Bool {
        var q = start
        for _ in 0..<16 {
            guard q >= DNSHeader.size, q < end else { return false }
            let len = Int(p.u8(q))
            switch len & 0xC0 {
            case 0x00:
                let next = q &+ 1 &+ len
                guard next <= end, next <= questionEnd || holdsNoSpan(q, next) else { return false }
                if len == 0 { return true }
                q = next
            case 0xC0:
                guard q &+ 2 <= end, q &+ 2 <= questionEnd || holdsNoSpan(q, q &+ 2) else { return false }
                q = (len & 0x3F) << 8 | Int(p.u8(q &+ 1))
            default:
                return false
            }
        }
        return false
    }

    /// Whether bytes `from..<to` hold no byte of a kept TTL or address. Mutating, as `readsKnownBytes`.
    private mutating func holdsNoSpan(_ from: Int, _ to: Int) -> Bool {
        for k in 0..<spanCount {
            let start = Int(spanStart[k])
            if start < to && from < start &+ Int(spanLength[k]) { return false }
        }
        return true
    }
}
