@testable import EdgeflowKit

/// Bytes from hex text; spaces and newlines are ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.compactMap { c -> UInt8? in
        switch c {
        case "0"..."9": UInt8(c.value - 48)
        case "a"..."f": UInt8(c.value - 87)
        case "A"..."F": UInt8(c.value - 55)
        default: nil
        }
    }
    precondition(digits.count % 2 == 0, "odd hex")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

/// Decodes `bytes` as one STUN message.
func decodeSTUN(_ bytes: [UInt8], allowLegacy: Bool = false) -> Result<STUNMessage, STUNFailure> {
    bytes.withUnsafeBytes { p in
        do throws(STUNFailure) { return .success(try STUNDecoder.decode(p, allowLegacy: allowLegacy)) }
        catch { return .failure(error) }
    }
}

/// Decodes and returns the message, or nil.
func stun(_ bytes: [UInt8], allowLegacy: Bool = false) -> STUNMessage? {
    if case .success(let m) = decodeSTUN(bytes, allowLegacy: allowLegacy) { return m }
    return nil
}

/// The bytes of a range as text (tests only).
func text(_ bytes: [UInt8], _ r: ByteRange?) -> String? {
    guard let r, r.end <= bytes.count else { return nil }
    return String(decoding: bytes[Int(r.offset)..<r.end], as: UTF8.self)
}

/// The bytes of a range as lower-case hex (tests only).
func hexText(_ bytes: [UInt8], _ r: ByteRange?) -> String? {
    guard let r, r.end <= bytes.count else { return nil }
    return bytes[Int(r.offset)..<r.end].map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

/// A copy of the bytes of a range (tests only).
func slice(_ bytes: [UInt8], _ r: ByteRange) -> [UInt8] { Array(bytes[Int(r.offset)..<r.end]) }

/// RFC 7983 demux of a byte array.
func classify(_ bytes: [UInt8]) -> UDPPayloadKind { bytes.withUnsafeBytes { UDPDemux.classify($0) } }
