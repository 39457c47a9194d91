/// DTLS protocol versions on the wire: the one's complement of the TLS version they
/// follow (RFC 6347 §4.1, RFC 9147 §5.3): 0xFEFF DTLS 1.0, 0xFEFD DTLS 1.2, 0xFEFC DTLS 1.3.
/// Implementations of the DTLS 1.3 drafts sent 0x7F00 + the draft number in
/// supported_versions (NSS 3.87: 0x7F2B, draft 43).
public struct DTLSVersion: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let dtls10 = DTLSVersion(rawValue: 0xFEFF)
    public static let dtls12 = DTLSVersion(rawValue: 0xFEFD)
    public static let dtls13 = DTLSVersion(rawValue: 0xFEFC)

    /// DTLS 1.3 or one of its drafts: hellos in clear, the rest (certificates too) encrypted.
    public var isDTLS13: Bool { rawValue == 0xFEFC || rawValue & 0xFF00 == 0x7F00 }

    /// The name written in reports, in the `tls` object's style ("DTLS 1.2", "DTLS 1.3
    /// (draft 43)"), or `0xNNNN`.
    public var description: String {
        switch rawValue {
        case 0xFEFF: "DTLS 1.0"
        case 0xFEFD: "DTLS 1.2"
        case 0xFEFC: "DTLS 1.3"
        case 0x7F00...0x7FFF: "DTLS 1.3 (draft \(rawValue & 0xFF))"
        default: "0x" + hex4(rawValue)
        }
    }
}
