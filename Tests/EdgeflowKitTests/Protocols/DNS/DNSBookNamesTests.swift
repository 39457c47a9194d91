import Testing
@testable import EdgeflowKit

/// The names the DNS book gives addresses (RFC 1035 responses built by hand): owner names
/// compared and kept lowercased, the asked name as the label of an answer (a CNAME chain's
/// too), each address listed once under each of its names.
@Suite("DNS book: names of addresses")
struct DNSBookNamesTests {
    /// `name` as RFC 1035 labels.
    static func labels(_ name: String) -> [UInt8] {
        name.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    /// A resource record of class IN, TTL `ttl`.
    static func record(_ owner: String, type: UInt16, ttl: UInt32 = 300, _ data: [UInt8]) -> [UInt8] {
        labels(owner) + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
            + [UInt8(ttl >> 24), UInt8(ttl >> 16 & 0xFF), UInt8(ttl >> 8 & 0xFF), UInt8(ttl & 0xFF)]
            + [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
    }

    /// A NOERROR response to an A question for `asked`, with these answer and additional records.
    static func response(id: UInt16, asked: String, answers: [[UInt8]], additionals: [[UInt8]] = []) -> [UInt8] {
        [UInt8(id >> 8), UInt8(id & 0xFF), 0x81, 0x80, 0, 1, 0, UInt8(answers.count), 0, 0, 0, UInt8(additionals.count)]
            + labels(asked) + [0, 1, 0, 1] + answers.flatMap { $0 } + additionals.flatMap { $0 }
    }

    static func book(_ messages: [[UInt8]]) -> DNSBook {
        let dns = DNSBook()
        for m in messages { m.withUnsafeBytes { dns.record($0) } }
        return dns
    }

    /// A capture answering one name with ever new addresses (a reviewer's 4,400 responses of 64
    /// A records took 31 s of CPU, the scan for a repeat growing with the list).
    @Test("one name lists at most 64 addresses, each once; every address is still named")
    func addressesPerName() {
        let messages = (0..<40).map { m in
            Self.response(id: UInt16(m), asked: "many.example",
                          answers: (0..<8).map { k in Self.record("many.example", type: 1, [10, 0, UInt8(m), UInt8(k)]) })
        }
        let dns = Self.book(messages + messages.prefix(2))
        #expect(dns.addresses["many.example"]?.count == 64)
        var first64: [IPAddress] = []
        for m: UInt32 in 0..<8 {
            for k: UInt32 in 0..<8 { first64.append(IPAddress(ipv4: 0x0A00_0000 | m << 8 | k)) }
        }
        #expect(dns.addresses["many.example"] == first64)
        #expect(dns.names[IPAddress(ipv4: 0x0A00_2707)] == "many.example")
    }

    @Test("lowercasing: ASCII letters A-Z only, and Unicode's rules beyond ASCII")
    func lowercasing() {
        #expect(DNSBook.lowercased("sip.contoso.com") == "sip.contoso.com")
        #expect(DNSBook.lowercased("SIP.Contoso.COM") == "sip.contoso.com")
        #expect(DNSBook.lowercased("AZ") == "az")
        #expect(DNSBook.lowercased("@[`{0-9_") == "@[`{0-9_")
        #expect(DNSBook.lowercased("BÜCHER.de") == "bücher.de")
        #expect(DNSBook.lowercased("") == "")
    }

    @Test("an answer is labelled with the asked name, lowercased; an additional record with its own")
    func answerLabels() {
        let dns = Self.book([Self.response(id: 1, asked: "Sip.Contoso.com",
                                           answers: [Self.record("SIP.CONTOSO.COM", type: 1, [192, 0, 2, 7])],
                                           additionals: [Self.record("Other.Example", type: 1, [192, 0, 2, 8])])])
        let a = IPAddress(ipv4: 0xC000_0207), b = IPAddress(ipv4: 0xC000_0208)
        #expect(dns.names[a] == "sip.contoso.com")
        #expect(dns.names[b] == "other.example")
        #expect(dns.addresses["sip.contoso.com"] == [a])
        #expect(dns.addresses["other.example"] == [b])
        #expect(dns.addresses.count == 2)
    }

    @Test("a CNAME chain: the address is labelled with the asked name and listed under both names, once")
    func cnameChain() {
        let target = Self.labels("Real.Contoso.com")
        let answers = [Self.record("alias.contoso.com", type: 5, target), Self.record("real.contoso.com", type: 1, [198, 51, 100, 4])]
        let first = Self.response(id: 7, asked: "ALIAS.contoso.com", answers: answers)
        // The same answer again (another ID: not parsed again) and with another TTL (parsed): no address twice.
        let again = Self.response(id: 8, asked: "ALIAS.contoso.com", answers: answers)
        let otherTTL = Self.response(id: 9, asked: "alias.contoso.com",
                                     answers: [answers[0], Self.record("real.contoso.com", type: 1, ttl: 60, [198, 51, 100, 4])])
        let dns = Self.book([first, again, otherTTL])
        let ip = IPAddress(ipv4: 0xC633_6404)
        #expect(dns.messages == 3)
        #expect(dns.names[ip] == "alias.contoso.com")
        #expect(dns.addresses["alias.contoso.com"] == [ip])
        #expect(dns.addresses["real.contoso.com"] == [ip])
        #expect(dns.addresses.count == 2)
    }

    @Test("name(of:) gives every named address its name and every other address none (its bit filter only skips the dictionary)")
    func nameOfAddress() {
        // 300 hosts named, one response each; 300 other addresses of the same /16 never named.
        let messages = (0..<300).map { i in
            Self.response(id: UInt16(i), asked: "h\(i).example", answers: [Self.record("h\(i).example", type: 1, [10, 1, UInt8(i >> 8), UInt8(i & 0xFF)])])
        }
        let dns = Self.book(messages)
        #expect(dns.names.count == 300)
        for i in 0..<300 {
            #expect(dns.name(of: IPAddress(ipv4: 0x0A01_0000 | UInt32(i))) == "h\(i).example")
            #expect(dns.name(of: IPAddress(ipv4: 0x0A01_8000 | UInt32(i))) == nil)
        }
        #expect(DNSBook().name(of: IPAddress(ipv4: 0x0A01_0000)) == nil)
    }
}
