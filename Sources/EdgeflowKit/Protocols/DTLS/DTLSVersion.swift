/// DTLS protocol versions on the wire: the one's complement of the TLS version they
/// follow (RFC 6347 §4.1, RFC 9147 §5.3): 0xFEFF DTLS 1.0, 0xFEFD DTLS 1.2, 0xFEFC DTLS 1.3.
public struct DTLSVersion: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let dtls10 = DTLSVersion(rawValue: 0xFEFF)
    public static let dtls12 = DTLSVersion(rawValue: 0xFEFD)
    public static let dtls13 = DTLSVersion(rawValue: 0xFEFC)

    /// The name written in reports, in the `tls` object's style ("DTLS 1.2"), or `0xNNNN`.
    public var description: String {
        switch rawValue {
        case 0xFEFF: "DTLS 1.0"
        case 0xFEFD: "DTLS 1.2"
        case 0xFEFC: "DTLS 1.3"
        default: "0x" + hex4(rawValue)
        }
    }
}
