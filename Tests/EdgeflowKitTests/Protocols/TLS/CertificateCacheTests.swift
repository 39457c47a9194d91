import Testing
@testable import EdgeflowKit

/// The cache of certificate summaries gives what summarising each certificate gives, for
/// chains seen before and for chains that differ from them only where its key does not look.
@Suite("Certificate cache")
struct CertificateCacheTests {
    /// A Certificate message body's certificate_list of `certificates` (TLS 1.2: 3-byte
    /// lengths, RFC 5246 §7.4.2), parsed.
    static func list(_ certificates: [[UInt8]]) throws -> TLSCertificateList {
        func length(_ n: Int) -> [UInt8] { [UInt8(n >> 16), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] }
        let entries = certificates.flatMap { length($0.count) + $0 }
        let body = length(entries.count) + entries
        return try body.withUnsafeBytes { try TLSCertificateList.parse($0, timestamp: 0) }
    }

    static let leaf = CertificateKeyCheckTests.mtlsOutLeaf
    static let media = CertificateKeyCheckTests.evenModulusLeaf

    @Test("a chain seen again, and the same certificates in another order, are summarised as each certificate is")
    func chains() throws {
        let cache = CertificateCache()
        let ab = try Self.list([Self.leaf, Self.media]), ba = try Self.list([Self.media, Self.leaf])
        let first = cache.cachedChain(ab).summaries
        #expect(first.map(\.subject) == ["CN=sipfed.online.lync.com,O=Edgeflow Test Cloud,C=US", "CN=av.contoso.com,O=Contoso Ltd,C=US"])
        #expect(first == [CertificateSummary(der: Self.leaf), CertificateSummary(der: Self.media)])
        #expect(cache.cachedChain(ab).summaries == first)
        #expect(cache.cachedChain(ba).summaries == [CertificateSummary(der: Self.media), CertificateSummary(der: Self.leaf)])
        #expect(cache.cachedChain(try Self.list([])).summaries == [])
    }

    @Test("a chain of the same length and certificate ends but another subject is not taken for the one cached")
    func sameEnds() throws {
        var other = Self.leaf
        // The subject's common name "sipfed.online.lync.com" is the first "sipfed" in the DER
        // (the SAN's comes after it); its "d" becomes "e". The signature no longer matches,
        // which a summary does not check.
        let sipfed: [UInt8] = Array("sipfed".utf8)
        let at = (0...(other.count - sipfed.count)).first { Array(other[$0..<$0 + sipfed.count]) == sipfed }!
        other[at + 5] = UInt8(ascii: "e")
        let cache = CertificateCache()
        _ = cache.cachedChain(try Self.list([Self.leaf])).summaries
        let changed = cache.cachedChain(try Self.list([other])).summaries
        #expect(changed.map(\.subject) == ["CN=sipfee.online.lync.com,O=Edgeflow Test Cloud,C=US"])
        #expect(cache.cachedChain(try Self.list([Self.leaf])).summaries.map(\.subject) == ["CN=sipfed.online.lync.com,O=Edgeflow Test Cloud,C=US"])
    }

    @Test("a full cache starts again and still gives every chain's summaries")
    func limit() throws {
        let cache = CertificateCache(limit: 1)
        let a = try Self.list([Self.leaf]), b = try Self.list([Self.media])
        for _ in 0..<2 {
            #expect(cache.cachedChain(a).summaries == [CertificateSummary(der: Self.leaf)])
            #expect(cache.cachedChain(b).summaries == [CertificateSummary(der: Self.media)])
        }
    }

    @Test("a chain's text written at any time is what writing its summaries gives")
    func text() throws {
        let chain = CertificateCache().cachedChain(try Self.list([Self.leaf, Self.media]))
        // Before, within and after both certificates' validity (2025-01-01 to 2035-12-31).
        for seenAt in [CertificateKeyCheckTests.jan2025 - 1, CertificateKeyCheckTests.jan2025 + 86_400_000_000_000,
                       CertificateKeyCheckTests.dec2035 + 1] {
            var cached = JSONWriter(), direct = JSONWriter()
            cached.beginArray()
            chain.text.write(to: &cached, seenAt: seenAt)
            cached.endArray()
            direct.beginArray()
            for s in chain.summaries { s.write(to: &direct, seenAt: seenAt) }
            direct.endArray()
            #expect(cached.text == direct.text)
            let expired = seenAt > CertificateKeyCheckTests.dec2035, early = seenAt < CertificateKeyCheckTests.jan2025
            #expect(cached.text.contains(#""expired_at_capture":\#(expired),"not_yet_valid":\#(early),"sha256":"3b99053417ee391b1bc59caab49d0008a4c7b82cf7c074842ec19a11c4830e1b""#))
        }
    }
}
