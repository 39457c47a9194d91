/// Outcome of the FINGERPRINT check (RFC 8489 §14.7; MS-ICE2 §3.1.4.8.2 legacy table).
public enum STUNFingerprintStatus: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// No FINGERPRINT attribute.
    case absent
    /// CRC-32 of the message before the attribute, XOR 0x5354554E, matches.
    case valid
    /// Matches only with the legacy MS-ICE2 CRC table (entry 0x8BBEB8EA replaced by 0x08BBE8EA).
    case validLegacyTable
    /// Does not match.
    case invalid
    /// Present, not checked: the decoder was asked not to (`STUNDecoder.decode(_:allowLegacy:checkFingerprint:into:)`).
    case unchecked
}

/// CRC-32 (ITU-T V.42 / zlib: reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF)
/// with tables built here, and the STUN FINGERPRINT check built on it (RFC 8489 §14.7).
public enum STUNFingerprint {
    /// XOR applied to the CRC in FINGERPRINT: "STUN" (RFC 8489 §14.7).
    public static let xorValue: UInt32 = 0x5354_554E

    /// The standard 256-entry table.
    public static let table: [UInt32] = makeTable(legacy: false)
    /// The legacy MS-ICE2 table: one entry wrong, 0x8BBEB8EA written as 0x08BBE8EA
    /// (MS-ICE2 §3.1.4.8.2, as libnice's stuncrc32.c accepts it).
    public static let legacyTable: [UInt32] = makeTable(legacy: true)

    static func makeTable(legacy: Bool) -> [UInt32] {
        var t = [UInt32](repeating: 0, count: 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            if legacy && c == 0x8BBE_B8EA { c = 0x08BB_E8EA }
            t[i] = c
        }
        return t
    }

    /// Eight tables for slicing-by-8 (table k: a byte followed by k zero bytes), built once and
    /// never freed (immutable once built, so shared safely). Hand-written because a FINGERPRINT
    /// is checked on every STUN packet; 8 bytes a step.
    nonisolated(unsafe) private static let slices: UnsafePointer<UInt32> = {
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for i in 0..<256 { t[i] = table[i] }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return UnsafePointer(t)
    }()

    /// CRC-32 of `bytes` with the standard table, or with the legacy MS-ICE2 table.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, legacy: Bool = false) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        var i = 0
        let n = bytes.count
        if legacy {
            // The legacy table is not a CRC table (one entry is off), so it cannot be sliced.
            legacyTable.withUnsafeBufferPointer { t in
                while i < n {
                    c = t[Int((c ^ UInt32(bytes.u8(i))) & 0xFF)] ^ (c >> 8)
                    i &+= 1
                }
            }
            return c ^ 0xFFFF_FFFF
        }
        let t = slices
        while n &- i >= 8 {
            let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
            let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i &+ 4, as: UInt32.self))
            c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int(lo >> 8 & 0xFF)]
                ^ t[5 * 256 + Int(lo >> 16 & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int(hi >> 8 & 0xFF)]
                ^ t[256 + Int(hi >> 16 & 0xFF)] ^ t[Int(hi >> 24)]
            i &+= 8
        }
        while i < n {
            c = t[Int((c ^ UInt32(bytes.u8(i))) & 0xFF)] ^ (c >> 8)
            i &+= 1
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Checks the FINGERPRINT attribute whose header is at `attributeOffset` in `message`:
    /// CRC-32 over bytes 0..<attributeOffset XOR 0x5354554E (RFC 8489 §14.7). With
    /// `allowLegacyTable`, a mismatch is retried with the legacy MS-ICE2 table.
    public static func check(_ message: UnsafeRawBufferPointer, attributeOffset: Int, allowLegacyTable: Bool) -> STUNFingerprintStatus {
        guard attributeOffset >= 20, attributeOffset &+ 8 <= message.count else { return .invalid }
        let sent = message.be32(attributeOffset &+ 4)
        let covered = UnsafeRawBufferPointer(rebasing: message[0..<attributeOffset])
        if crc32(covered) ^ xorValue == sent { return .valid }
        if allowLegacyTable, crc32(covered, legacy: true) ^ xorValue == sent { return .validLegacyTable }
        return .invalid
    }
}
