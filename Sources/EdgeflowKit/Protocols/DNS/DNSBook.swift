/// What the DNS answers in the input said, for the whole run: address → name (to label flow
/// ends) and the SRV lookups (federation discovery). Bounded; DNS is parsed per message,
/// which copies its names (a DNS message is rare next to media).
final class DNSBook {
    /// Most addresses remembered with a name.
    static let nameLimit = 65_536
    /// Most distinct SRV names tracked.
    static let srvLimit = 1_024
    /// Most addresses listed under one name (they serve the SRV target finding only; a real name
    /// has a handful, and a capture answering one name with endless addresses would otherwise
    /// cost memory without bound and a scan per answer that grows with them).
    static let addressesPerName = 64

    struct SRVLookup: Sendable {
        var name: String
        var queries = 0
        var answers = 0
        var failures = 0
        var rcode: UInt8? = nil
        var targets: [String] = []
        var targetNames: [String] = []
    }

    /// Read for both ends of every flow written: without a dynamic exclusivity check (about
    /// 76 instructions a read; no method that changes it calls out while it does).
    @exclusivity(unchecked) private(set) var names: [IPAddress: String] = [:]
    /// One bit per `namedBit` of every address in `names`: an address never named (most flow
    /// ends) is told by one bit, not by hashing it for the dictionary (about 200 instructions).
    /// 65,536 bits (8 KiB): with 4,096, the bits of the 5M capture's 259 named addresses took
    /// in its Access Edge's, and 20,948 flow ends were looked up in vain (5 with 65,536).
    @exclusivity(unchecked) private var namedBits = [UInt64](repeating: 0, count: 1024)
    private(set) var addresses: [String: [IPAddress]] = [:]
    /// The SRV lookups in the order their names were first asked.
    @exclusivity(unchecked) private(set) var srv: [SRVLookup] = []
    /// Each SRV name's place in `srv`.
    private var srvIndex: [String: Int] = [:]
    @exclusivity(unchecked) private(set) var messages = 0
    private(set) var malformed = 0

    /// What a message did to the SRV table, to replay for an identical message without parsing:
    /// the places in `srv` of the SRV names it asked (at most `maxLookups`: a message asking
    /// more is parsed each time), so a repeat hashes no name. Kept by its shape (`DNSShape`),
    /// also where `shapeAddresses` holds the label and owner of each address it named, in
    /// order: a message of that shape names its own addresses so. Plain bits: a find copies no
    /// reference (two retains and releases a message).
    private struct Effect: BitwiseCopyable {
        static let maxLookups = 4
        var lookups = InlineArray<4, Int16>(repeating: 0)
        var lookupCount = 0
        var response: Bool
        var failed: Bool
        var rcode: UInt8
        /// The effect's place in `shapeAddresses`, -1 for an effect kept by the message's bytes.
        var addresses = -1
    }

    /// Effects by a hash of the message without its ID, or by its shape's hash (without its ID,
    /// TTLs and addresses, from other bases), bounded (cleared when full). Like `srv` and
    /// `messages`, changed without a dynamic exclusivity check: `record` calls nothing that
    /// reads the book while it changes them.
    @exclusivity(unchecked) private var effects = HashedSlots<Effect>(limit: DNSBook.effectLimit)
    static let effectLimit = 4_096
    /// The label and owner of each address named by the messages whose effects are kept by
    /// their shapes (`Effect.addresses`); cleared with `effects`.
    private var shapeAddresses: [[(label: String, owner: String)]] = []
    /// The bases of `hashWithoutID` for messages and for their shapes, unicast and multicast.
    private static let unicastBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let multicastBasis: UInt64 = 0x6C62_272E_07BB_0142
    private static let shapeBasis: UInt64 = 0x2545_F491_4F6C_DD1D

    /// In a sharded run, a worker's book hands each message on to the one book of the run.
    var forward: ((UnsafeRawBufferPointer, Bool) -> Void)? = nil

    /// Takes one DNS message (a UDP payload, or a TCP message without its length prefix).
    /// A message identical to one already read (but for its ID) is counted without being
    /// parsed again, so repeated lookups allocate nothing; one that differs from a response
    /// read before only in its TTLs and addresses (`DNSShape`) is counted and names its
    /// addresses as that response named its own, without being parsed.
    /// - Parameter multicast: the message is multicast DNS (RFC 6762, port 5353): service
    ///   discovery (`_sip._tcp.local` and the like), answered without repeating the question,
    ///   so its SRV questions are no SRV lookups; its addresses still name hosts.
    func record(_ p: UnsafeRawBufferPointer, multicast: Bool = false) {
        if let forward { return forward(p, multicast) }
        guard p.count >= 12 else { malformed += 1; return }
        let basis = multicast ? Self.multicastBasis : Self.unicastBasis
        let h = Self.hashWithoutID(p, basis: basis)
        if let e = effects.find(h) { return replay(e) }
        // A message of a shape read before (the same but for its TTLs and addresses): that
        // message's effect, naming this one's addresses.
        let shape = DNSShape(p)
        let shapeHash = shape.flatMap { $0.spanCount > 0 ? $0.hash(p, basis: basis ^ Self.shapeBasis) : nil }
        if let shape, let shapeHash, var e = effects.find(shapeHash) {
            replay(e)
            for (k, a) in shapeAddresses[e.addresses].enumerated() { note(shape.address(k, in: p), label: a.label, owner: a.owner) }
            // Kept by its own bytes too: a repeat of it (its addresses named already) is found first.
            if effects.count >= Self.effectLimit { forgetEffects() }
            e.addresses = -1
            effects.insert(h, e)
            return
        }
        guard let m = try? DNSMessage.parse(p) else {
            malformed += 1
            return
        }
        // Room for the message's two effects.
        if effects.count >= Self.effectLimit &- 1 { forgetEffects() }
        var effect = Effect(response: m.header.isResponse, failed: m.rcode != 0, rcode: m.rcode)
        var kept = true
        messages += 1
        for q in m.questions where q.type == DNSType.srv && !multicast {
            let key = Self.lowercased(q.name)
            let i: Int
            if let known = srvIndex[key] {
                i = known
            } else {
                guard srv.count < Self.srvLimit else { continue }
                i = srv.count
                srvIndex[key] = i
                srv.append(SRVLookup(name: key))
            }
            // A name asked twice in one message counts twice, in a repeat of it too.
            if effect.lookupCount < Effect.maxLookups {
                effect.lookups[effect.lookupCount] = Int16(truncatingIfNeeded: i)
                effect.lookupCount &+= 1
            } else {
                kept = false
            }
            if m.header.isResponse {
                srv[i].answers += 1
                if m.rcode != 0 {
                    srv[i].failures += 1
                    srv[i].rcode = m.rcode
                }
                for a in m.answers {
                    if case .srv(let s) = a.data {
                        let target = Self.lowercased(s.target)
                        let text = "\(target):\(s.port)"
                        if !srv[i].targets.contains(text) { srv[i].targets.append(text) }
                        if !srv[i].targetNames.contains(target) { srv[i].targetNames.append(target) }
                    }
                }
            } else {
                srv[i].queries += 1
            }
        }
        if kept { effects.insert(h, effect) }
        // The effect is kept by the shape too when the shape's addresses are those named, in order.
        var shaped = kept && shapeHash != nil
        var named: [(label: String, owner: String)] = []
        if m.header.isResponse {
            let asked = m.questions.first.map { Self.lowercased($0.name) }
            func noteAddress(_ r: DNSResourceRecord) {
                guard let (ip, label, owner) = Self.named(r, answers: m.answers, asked: asked) else { return }
                note(ip, label: label, owner: owner)
                if shaped, let shape, named.count < shape.addressCount, shape.address(named.count, in: p) == ip {
                    named.append((label, owner))
                } else {
                    shaped = false
                }
            }
            // The answers, then the additional records (not joined into a new array).
            for r in m.answers { noteAddress(r) }
            for r in m.additionals { noteAddress(r) }
        }
        if shaped, let shape, let shapeHash, named.count == shape.addressCount {
            effect.addresses = shapeAddresses.count
            shapeAddresses.append(named)
            effects.insert(shapeHash, effect)
        }
    }

    /// Forgets every effect kept.
    private func forgetEffects() {
        effects.removeAll()
        shapeAddresses.removeAll(keepingCapacity: true)
    }

    /// Replays effect `e` of a message read before on the SRV table.
    private func replay(_ e: Effect) {
        messages += 1
        for k in 0..<e.lookupCount {
            let i = Int(e.lookups[k])
            if e.response {
                srv[i].answers += 1
                if e.failed { srv[i].failures += 1; srv[i].rcode = e.rcode }
            } else {
                srv[i].queries += 1
            }
        }
    }

    /// The address of an A or AAAA record `r` of a response whose answer section is `answers`
    /// and whose first question asked `asked` (lowercased), with the label and owner it is
    /// noted under (`note`); nil for any other record.
    private static func named(_ r: DNSResourceRecord, answers: [DNSResourceRecord], asked: String?)
        -> (ip: IPAddress, label: String, owner: String)? {
        let ip: IPAddress
        switch r.data {
        case .a(let v): ip = IPAddress(ipv4: v)
        case .aaaa(let hi, let lo): ip = IPAddress(hi: hi, lo: lo)
        default: return nil
        }
        // Label with the name the client asked for when the answer answers it (CNAME chains included).
        let owner = lowercased(r.name)
        let label = answers.contains(where: { lowercased($0.name) == owner }) ? (asked ?? owner) : owner
        return (ip, label, owner)
    }

    /// Address `ip` named `label` (lowercased) unless it has a name, and listed under `label`
    /// and its record's `owner` (lowercased).
    private func note(_ ip: IPAddress, label: String, owner: String) {
        // The label's list found once, for its name and for the address.
        let listed = addresses.index(forKey: label)
        if names[ip] == nil, names.count < Self.nameLimit {
            // The name as `addresses` keeps it when it lists it already: the addresses of one
            // name then hold one string, which the writers' name boxes compare without reading
            // its bytes (`FlowNameBoxes`: equal storage).
            names[ip] = listed.map { addresses[$0].key } ?? label
            let bit = Self.namedBit(ip)
            namedBits[bit >> 6] |= 1 &<< UInt64(bit & 63)
        }
        list(ip, under: label, at: listed)
        if owner != label { list(ip, under: owner, at: addresses.index(forKey: owner)) }
    }

    /// How many addresses `names` names: it changes whenever an address is named (none is
    /// ever renamed nor forgotten).
    @inline(__always)
    var namedCount: Int { names.count }

    /// The name `names` gives `ip`, if any.
    @inline(__always)
    func name(of ip: IPAddress) -> String? { mayName(ip) ? names[ip] : nil }

    /// Whether `names` may give `ip` a name: false for most ends, which were never named (one
    /// bit test, the dictionary not read).
    @inline(__always)
    func mayName(_ ip: IPAddress) -> Bool {
        let bit = Self.namedBit(ip)
        return namedBits[bit >> 6] & (1 &<< UInt64(bit & 63)) != 0
    }

    /// The bit of `namedBits` that stands for `ip` (a multiplicative hash's top 16 bits).
    @inline(__always)
    private static func namedBit(_ ip: IPAddress) -> Int {
        Int(truncatingIfNeeded: ((ip.hi ^ ip.lo) &* 0x9E37_79B9_7F4A_7C15) >> 48)
    }

    /// Adds `ip` to the addresses of `name` (once; a new name only while fewer than `nameLimit`
    /// have addresses; at most `addressesPerName`), whose list is at `listed` in `addresses` (nil:
    /// none yet).
    private func list(_ ip: IPAddress, under name: String, at listed: Dictionary<String, [IPAddress]>.Index?) {
        if let listed {
            Self.append(ip, to: &addresses.values[listed])
        } else if addresses.count < Self.nameLimit {
            addresses[name] = [ip]
        }
    }

    /// Appends `ip` to `list` unless it holds it already.
    private static func append(_ ip: IPAddress, to list: inout [IPAddress]) {
        if list.count < addressesPerName && !list.contains(ip) { list.append(ip) }
    }

    /// `name.lowercased()`, returned as it is when it is ASCII without an upper-case letter
    /// (nearly every DNS name): no new string made, nor Unicode's case tables consulted.
    static func lowercased(_ name: String) -> String {
        let plain = name.utf8.withContiguousStorageIfAvailable { b in !b.contains { $0 &- 0x41 < 26 || $0 >= 0x80 } }
        return plain == true ? name : name.lowercased()
    }

    /// A 64-bit hash of a DNS message (12 bytes or more) but for its ID (bytes 0-1), eight bytes
    /// at a time, from `basis`: mDNS starts from another, as the same bytes have another effect
    /// there, and so do shapes (`DNSShape.hash`), whose effects name addresses. Not keyed: a
    /// capture can be made so that two messages collide, and the second then counts as the first
    /// did; it could as well send the SRV answers it wants counted, so nothing is lost by that.
    static func hashWithoutID(_ p: UnsafeRawBufferPointer, basis: UInt64) -> UInt64 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = basis ^ UInt64(p.count)
        var i = 2
        let base = p.baseAddress!
        while p.count &- i >= 8 {
            h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            h ^= h >> 29
            i &+= 8
        }
        // The 0-7 bytes left, little-endian, from one load of the last eight (the message holds a
        // header's 12 bytes): the bytes hashed already shifted out.
        let left = p.count &- i
        let tail = left == 0 ? 0 : base.loadUnaligned(fromByteOffset: p.count &- 8, as: UInt64.self) &>> UInt64(64 &- 8 &* left)
        h = (h ^ tail) &* k
        return h ^ h >> 32
    }

    static func rcodeName(_ r: UInt8) -> String {
        switch r {
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "rcode \(r)"
        }
    }
}
