#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Certificate summaries by DER bytes: an Edge presents the same chain on every connection,
/// so each certificate is parsed once (at most `limit` kept).
final class CertificateCache {
    /// Keyed by a 64-bit FNV-1a hash of the DER, read 8 bytes at a time (Hasher would feed
    /// the slice byte by byte); the DER is compared on a hit.
    private var summaries: [UInt64: (der: ArraySlice<UInt8>, summary: CertificateSummary)] = [:]
    let limit: Int

    init(limit: Int = 4096) { self.limit = limit }

    func chain(_ list: TLSCertificateList) -> [CertificateSummary] {
        (0..<list.count).map { summary(list.der($0)) }
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
