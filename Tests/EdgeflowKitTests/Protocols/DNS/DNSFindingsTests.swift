import Testing
@testable import EdgeflowKit

/// The DNS SRV findings of lookups with known answers (RFC 1035 messages, RFC 2782 SRV): a
/// federation SRV name answered NXDOMAIN, and an SRV question never answered.
@Suite("DNS SRV findings")
struct DNSFindingsTests {
    /// A DNS message with one SRV (33) IN question for `name`; a response with `rcode` when given.
    static func message(_ name: String, id: UInt16, rcode: UInt8? = nil) -> [UInt8] {
        let flags: UInt16 = rcode.map { 0x8180 | UInt16($0) } ?? 0x0100
        var m: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { m += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return m + [0, 0, 33, 0, 1]
    }

    static func findings(_ messages: [[UInt8]]) -> [DNSFinding] {
        let dns = DNSBook()
        for m in messages { m.withUnsafeBytes { dns.record($0) } }
        var t = Topology(ranges: .embedded())
        t.accessEdge = [Prefix("203.0.113.10")!]
        var out: [DNSFinding] = []
        DNSFinding.check(dns, topology: t) { out.append($0) }
        return out
    }

    @Test("_sipfederationtls._tcp answered NXDOMAIN (3): dns_srv_failed, an error (partners cannot find the Access Edge)")
    func federationFailed() {
        let name = "_sipfederationtls._tcp.contoso.com"
        let f = Self.findings([Self.message(name, id: 1), Self.message(name, id: 1, rcode: 3)])
        #expect(f == [.srvFailed(name: name, rcode: 3, federation: true)])
        #expect(f.first?.code == .dnsSRVFailed && f.first?.severity == .error)
        #expect(f.first?.message == "SRV lookup _sipfederationtls._tcp.contoso.com failed with NXDOMAIN: partners cannot discover this domain's Access Edge")
    }

    @Test("another SRV name failing is a warning; one never answered is dns_srv_unanswered")
    func otherNames() {
        let f = Self.findings([Self.message("_sip._tls.contoso.com", id: 2), Self.message("_sip._tls.contoso.com", id: 2, rcode: 2),
                               Self.message("_sipinternaltls._tcp.contoso.com", id: 3)])
        #expect(f == [.srvFailed(name: "_sip._tls.contoso.com", rcode: 2, federation: false), .srvUnanswered(name: "_sipinternaltls._tcp.contoso.com")])
        #expect(f.map(\.severity) == [.warning, .warning] && f.last?.code == .dnsSRVUnanswered)
    }
}
