import Testing
@testable import EdgeflowKit

/// DNS messages that differ only in their TTLs and addresses (`DNSShape`, messages built by
/// hand after RFC 1035 §4.1 and RFC 2782): one shape, hashed alike, the addresses read where
/// they lie; and the book naming such messages' addresses as it names a parsed message's.
@Suite("DNS shapes: messages the same but for TTLs and addresses")
struct DNSShapeTests {
    typealias Names = DNSBookNamesTests

    /// A NOERROR response to an SRV question for `asked` (as the question's name at offset 12),
    /// with these records after the question (answers, then additional records).
    static func srvResponse(id: UInt16, asked: String, answers: [[UInt8]], additionals: [[UInt8]]) -> [UInt8] {
        let header: [UInt8] = Frames.be16(id) + [0x81, 0x80, 0, 1] + Frames.be16(UInt16(answers.count)) + [0, 0] + Frames.be16(UInt16(additionals.count))
        let question: [UInt8] = Names.labels(asked) + [0, 33, 0, 1]
        return header + question + answers.joined() + additionals.joined()
    }

    /// A record whose owner is a pointer to offset 12 (the question's name), class IN.
    static func pointed(type: UInt16, ttl: UInt32, _ data: [UInt8]) -> [UInt8] {
        let head: [UInt8] = [0xC0, 12] + Frames.be16(type) + [0, 1] + Frames.be32(ttl)
        return head + Frames.be16(UInt16(data.count)) + data
    }

    /// SRV data: priority 0, weight 0, `port`, `target`.
    static func srv(port: UInt16, _ target: String) -> [UInt8] {
        [0, 0, 0, 0, UInt8(port >> 8), UInt8(port & 0xFF)] + Names.labels(target)
    }

    /// The federation lookup of the bundled generator: an SRV answer and its glue A record.
    static func federation(id: UInt16, ttl: UInt32, glue: [UInt8], port: UInt16 = 5061) -> [UInt8] {
        srvResponse(id: id, asked: "_sipfederationtls._tcp.contoso.com",
                    answers: [pointed(type: 33, ttl: ttl, srv(port: port, "sip.contoso.com"))],
                    additionals: [Names.record("sip.contoso.com", type: 1, ttl: ttl, glue)])
    }

    static func shape(_ m: [UInt8]) -> DNSShape? { m.withUnsafeBytes { DNSShape($0) } }
    static func hash(_ m: [UInt8]) -> UInt64? { m.withUnsafeBytes { p in DNSShape(p)?.hash(p, basis: 1) } }

    @Test("TTLs and addresses are left out of the hash, every other byte but the ID is in it")
    func hashes() throws {
        let a = Self.federation(id: 1, ttl: 300, glue: [192, 0, 2, 7])
        let b = Self.federation(id: 2, ttl: 299, glue: [198, 51, 100, 9])
        let s = try #require(Self.shape(a))
        // Two TTLs and the glue address.
        #expect(s.spanCount == 3)
        #expect(s.addressCount == 1)
        #expect(a.withUnsafeBytes { s.address(0, in: $0) } == IPAddress(ipv4: 0xC000_0207))
        #expect(b.withUnsafeBytes { s.address(0, in: $0) } == IPAddress(ipv4: 0xC633_6409))
        #expect(Self.hash(a) == Self.hash(b))
        // Another port, another glue name: other hashes.
        #expect(Self.hash(a) != Self.hash(Self.federation(id: 1, ttl: 300, glue: [192, 0, 2, 7], port: 5062)))
        let otherName = Self.srvResponse(id: 1, asked: "_sipfederationtls._tcp.contoso.com",
                                         answers: [Self.pointed(type: 33, ttl: 300, Self.srv(port: 5061, "sip.contoso.com"))],
                                         additionals: [Names.record("sip.contoso.org", type: 1, [192, 0, 2, 7])])
        #expect(Self.hash(a) != Self.hash(otherName))
        // The same bytes hashed from another basis.
        #expect(a.withUnsafeBytes { s.hash($0, basis: 1) } != a.withUnsafeBytes { s.hash($0, basis: 2) })
        // An AAAA record's 16 bytes; an authority record's A data left out too (not named).
        let v6 = Self.srvResponse(id: 3, asked: "h.example", answers: [Self.pointed(type: 28, ttl: 60, [UInt8](1...16))], additionals: [])
        let v6s = try #require(Self.shape(v6))
        #expect(v6.withUnsafeBytes { v6s.address(0, in: $0) } == IPAddress(hi: 0x0102_0304_0506_0708, lo: 0x090A_0B0C_0D0E_0F10))
        var authority = Self.srvResponse(id: 4, asked: "h.example", answers: [], additionals: [Self.pointed(type: 1, ttl: 5, [10, 0, 0, 1])])
        authority[9] = 1
        authority[11] = 0
        let auth = try #require(Self.shape(authority))
        #expect(auth.addressCount == 0 && auth.spanCount == 2)
        var otherAuthority = authority
        otherAuthority[otherAuthority.count - 1] = 2
        #expect(Self.hash(authority) == Self.hash(otherAuthority))
    }

    @Test("no shape where the parse could read a TTL or an address, or would refuse the message")
    func noShape() {
        let ok = Self.federation(id: 1, ttl: 300, glue: [192, 0, 2, 7])
        #expect(Self.shape(ok) != nil)
        // The glue's owner pointing at the answer's TTL (offset of the SRV record's TTL field).
        let qEnd = 12 + Names.labels("_sipfederationtls._tcp.contoso.com").count + 4
        var intoTTL = Self.srvResponse(id: 1, asked: "_sipfederationtls._tcp.contoso.com",
                                       answers: [Self.pointed(type: 33, ttl: 300, Self.srv(port: 5061, "sip.contoso.com"))],
                                       additionals: [Self.pointed(type: 1, ttl: 300, [192, 0, 2, 7])])
        let glueOwner = qEnd + 12 + 6 + Names.labels("sip.contoso.com").count
        intoTTL[glueOwner + 1] = UInt8(qEnd + 6)
        #expect(Self.shape(intoTTL) == nil)
        // Pointing at the SRV target's name, in the answer's data: a shape.
        var intoTarget = intoTTL
        intoTarget[glueOwner + 1] = UInt8(qEnd + 12 + 6)
        #expect(Self.shape(intoTarget) != nil)
        // Forward, into the header, from the question.
        var forward = intoTTL
        forward[qEnd + 1] = UInt8(glueOwner)
        #expect(Self.shape(forward) == nil)
        var header = intoTTL
        header[glueOwner + 1] = 2
        #expect(Self.shape(header) == nil)
        var question: [UInt8] = [0, 1, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0] + Names.labels("a.example") + [0, 1, 0, 1]
        question += [0xC0, 12, 0, 1, 0, 1]
        #expect(Self.shape(question) == nil)
        // An A record of 5 bytes, a label type 0x40, an SRV record of 6 bytes, past the end.
        #expect(Self.shape(Self.srvResponse(id: 1, asked: "a.example", answers: [Self.pointed(type: 1, ttl: 1, [1, 2, 3, 4, 5])], additionals: [])) == nil)
        var label = ok
        label[12] = 0x41
        #expect(Self.shape(label) == nil)
        #expect(Self.shape(Self.srvResponse(id: 1, asked: "a.example", answers: [Self.pointed(type: 33, ttl: 1, [0, 0, 0, 0, 0, 1])], additionals: [])) == nil)
        #expect(Self.shape(Array(ok.dropLast())) == nil)
        // Longer than 512 bytes; more than 16 TTLs and addresses.
        let long = Self.srvResponse(id: 1, asked: "a.example", answers: [Self.pointed(type: 16, ttl: 1, Array(repeating: 7, count: 480))], additionals: [])
        #expect(long.count > 512 && Self.shape(long) == nil)
        let answers: [[UInt8]] = (0..<9).map { (k: Int) -> [UInt8] in Self.pointed(type: 1, ttl: 1, [10, 0, 0, UInt8(k)]) }
        let eight = Self.srvResponse(id: 1, asked: "a.example", answers: Array(answers.prefix(8)), additionals: [])
        let nine = Self.srvResponse(id: 1, asked: "a.example", answers: answers, additionals: [])
        #expect(Self.shape(eight)?.addressCount == 8)
        #expect(Self.shape(nine) == nil)
    }

    @Test("federation lookups with new glue addresses and TTLs: every address named, counted as parsed")
    func federationGlue() {
        let messages: [[UInt8]] = (0..<300).map { (i: Int) -> [UInt8] in
            let glue: [UInt8] = [10, 2, UInt8(i >> 8), UInt8(i & 0xFF)]
            return Self.federation(id: UInt16(i), ttl: 300 - UInt32(i % 7), glue: glue)
        }
        let dns = Names.book(messages + Array(messages.prefix(5)))
        let glue: [IPAddress] = (0..<300).map { (i: Int) -> IPAddress in IPAddress(ipv4: 0x0A02_0000 | UInt32(i)) }
        #expect(dns.messages == 305)
        #expect(dns.srv.count == 1)
        #expect(dns.srv.first?.answers == 305)
        #expect(dns.srv.first?.targets == ["sip.contoso.com:5061"])
        #expect(dns.srv.first?.targetNames == ["sip.contoso.com"])
        for ip in glue { #expect(dns.name(of: ip) == "sip.contoso.com") }
        #expect(dns.addresses["sip.contoso.com"] == Array(glue.prefix(DNSBook.addressesPerName)))
        #expect(dns.addresses.count == 1)
    }

    @Test("queries of four and of five SRV names, each repeated: every name counted every time")
    func manyLookups() {
        func query(_ names: [String]) -> [UInt8] {
            [0, 9, 0x01, 0, 0, UInt8(names.count), 0, 0, 0, 0, 0, 0] + names.flatMap { Names.labels($0) + [0, 33, 0, 1] }
        }
        let four: [String] = (0..<4).map { (k: Int) -> String in "_sip._tcp.d\(k).example" }
        let five: [String] = (0..<5).map { (k: Int) -> String in "_sipfederationtls._tcp.d\(k).example" }
        let dns = Names.book(Array(repeating: query(four), count: 3) + Array(repeating: query(five), count: 3) + [query(four + four)])
        #expect(dns.messages == 7)
        #expect(dns.srv.map(\.name) == four + five)
        #expect(dns.srv.map(\.queries) == [5, 5, 5, 5, 3, 3, 3, 3, 3])
    }

    /// Messages that parse, made unique by two bytes after their records (which the parse does
    /// not read), are all parsed: the book of such copies is the book of a run parsing every
    /// message (one that does not parse is never kept, nor are its copies).
    @Test("mutated responses: the book as if every message were parsed")
    func asIfParsed() {
        var rng = SplitMix64(seed: 29)
        let cname = Self.srvResponse(id: 0, asked: "Alias.Contoso.com",
                                     answers: [Names.record("alias.contoso.com", type: 5, Names.labels("real.contoso.com")),
                                               Names.record("REAL.contoso.com", type: 1, [198, 51, 100, 4]),
                                               Names.record("real.contoso.com", type: 28, Array(repeating: 0x20, count: 16))],
                                     additionals: [Names.record("other.example", type: 1, [192, 0, 2, 8])])
        let bases = [cname, Self.federation(id: 0, ttl: 300, glue: [192, 0, 2, 7])]
        var messages: [[UInt8]] = []
        for k in 0..<2_000 {
            var m = bases[k % 2]
            m[0] = UInt8(truncatingIfNeeded: k)
            // TTLs and addresses mostly; any byte now and then.
            let changes = Int(rng.next() % 4)
            for _ in 0..<changes {
                let at = 12 + Int(rng.next() % UInt64(m.count - 12))
                m[at] = rng.next() % 8 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : m[at] &+ 1
            }
            if rng.next() % 3 == 0 {
                // A new glue or AAAA address where it lies (the last bytes of either base).
                m[m.count - 1] = UInt8(truncatingIfNeeded: rng.next())
            }
            messages.append(m)
        }
        let unique: [[UInt8]] = messages.enumerated().map { (k: Int, m: [UInt8]) -> [UInt8] in
            let parses = m.withUnsafeBytes { (try? DNSMessage.parse($0)) != nil }
            return parses ? m + [UInt8(k >> 8), UInt8(k & 0xFF)] : m
        }
        let dns = Names.book(messages), parsed = Names.book(unique)
        #expect(dns.messages == parsed.messages)
        #expect(dns.malformed == parsed.malformed)
        #expect(dns.names == parsed.names)
        #expect(dns.addresses == parsed.addresses)
        #expect(dns.srv.map(\.name) == parsed.srv.map(\.name))
        #expect(dns.srv.map(\.answers) == parsed.srv.map(\.answers))
        #expect(dns.srv.map(\.targets) == parsed.srv.map(\.targets))
        #expect(dns.names.count > 100)
    }
}
