#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Certificate summaries by DER bytes: an Edge presents the same chain on every connection,
/// so each certificate is parsed once, and each chain's summaries are made once (at most
/// `limit` of each kept). One thread uses a cache (the classification stage's, or an ending
/// thread's own), so its dictionaries are reached without the dynamic exclusivity check (two
/// runtime calls, about 120 instructions, for each chain a TLS flow's report looks up).
final class CertificateCache {
    /// Keyed by a 64-bit FNV-1a hash of the DER, read 8 bytes at a time (Hasher would feed
    /// the slice byte by byte); the DER is compared on a hit.
    @exclusivity(unchecked) private var summaries: [UInt64: (der: ArraySlice<UInt8>, summary: CertificateSummary)] = [:]
    /// Whole chains by `chainKey`, the list's bytes compared on a hit: a chain seen before is
    /// one lookup and one comparison, with no certificate hashed and no array made.
    @exclusivity(unchecked) private var chains: [UInt64: (list: TLSCertificateList, chain: Chain)] = [:]
    let limit: Int

    init(limit: Int = 4096) { self.limit = limit }

    /// A chain's summaries, leaf first, and their text for the report.
    struct Chain {
        var summaries: [CertificateSummary]
        var text: CertificateChainText
    }

    func cachedChain(_ list: TLSCertificateList) -> Chain {
        let key = Self.chainKey(list)
        if let hit = chains[key], Self.same(hit.list, list) { return hit.chain }
        if chains.count >= limit { chains.removeAll(keepingCapacity: true) }
        let summaries = (0..<list.count).map { summary(list.der($0)) }
        let made = Chain(summaries: summaries, text: CertificateChainText(summaries))
        chains[key] = (list, made)
        return made
    }

    /// A chain's key: its length, its certificates' count and the last 16 bytes of each (their
    /// signatures' end, which tells certificates apart), not all of its some kilobytes.
    private static func chainKey(_ list: TLSCertificateList) -> UInt64 {
        var h = (0xCBF2_9CE4_8422_2325 ^ UInt64(list.bytes.count)) &* 0x0000_0100_0000_01B3
        h = (h ^ UInt64(list.count)) &* 0x0000_0100_0000_01B3
        list.bytes.withUnsafeBytes { b in
            for r in list.ranges {
                let end = min(r.upperBound, b.count)
                let start = max(0, end &- 16)
                var i = start
                while i &+ 8 <= end {
                    h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                    i &+= 8
                }
                while i < end { h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3; i &+= 1 }
            }
        }
        return h
    }

    /// The same certificates, cut the same way.
    private static func same(_ a: TLSCertificateList, _ b: TLSCertificateList) -> Bool {
        a.ranges == b.ranges && same(a.bytes[...], b.bytes[...])
    }

    func summary(_ der: ArraySlice<UInt8>) -> CertificateSummary {
        let key = Self.hash(der)
        if let hit = summaries[key], Self.same(hit.der, der) { return hit.summary }
        if summaries.count >= limit { summaries.removeAll(keepingCapacity: true) }
        let s = CertificateSummary(der: der)
        summaries[key] = (der, s)
        return s
    }

    /// Byte equality by memcmp (`==` on slices compares element by element).
    private static func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    static func hash(_ der: ArraySlice<UInt8>) -> UInt64 {
        der.withUnsafeBytes { b in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            var i = 0
            while i &+ 8 <= b.count {
                h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                i &+= 8
            }
            while i < b.count { h = (h ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3; i &+= 1 }
            return h ^ UInt64(b.count)
        }
    }
}
