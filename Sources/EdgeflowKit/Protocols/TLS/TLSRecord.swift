/// TLS record layer (RFC 5246 §6.2.1; RFC 8446 §5.1): `type(1) | version(2) | length(2)`.

/// Record content types.
public enum TLSContentType: UInt8, Sendable, BitwiseCopyable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
    case heartbeat = 24
    case tls12CID = 25
}

/// A protocol version as it appears on the wire (0x0300 SSL 3.0 ... 0x0304 TLS 1.3, 0x0002
/// for an SSL 2.0 ClientHello).
public struct TLSVersion: RawRepresentable, Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ssl2 = TLSVersion(rawValue: 0x0002)
    public static let ssl3 = TLSVersion(rawValue: 0x0300)
    public static let tls10 = TLSVersion(rawValue: 0x0301)
    public static let tls11 = TLSVersion(rawValue: 0x0302)
    public static let tls12 = TLSVersion(rawValue: 0x0303)
    public static let tls13 = TLSVersion(rawValue: 0x0304)

    /// RFC 8701 GREASE values (0x0A0A, 0x1A1A, ... 0xFAFA).
    @inline(__always) public static func isGREASE(_ v: UInt16) -> Bool {
        v & 0x0F0F == 0x0A0A && (v >> 8) == (v & 0xFF)
    }

    public var description: String { staticName?.description ?? "0x" + hex4(rawValue) }

    /// The name of a version edgeflow names, as static text; nil for others ("0x" and hex).
    var staticName: StaticString? {
        switch rawValue {
        case 0x0002: "SSL 2.0"
        case 0x0300: "SSL 3.0"
        case 0x0301: "TLS 1.0"
        case 0x0302: "TLS 1.1"
        case 0x0303: "TLS 1.2"
        case 0x0304: "TLS 1.3"
        default: nil
        }
    }
}

/// A record header read from the front of a byte stream.
public struct TLSRecordHeader: Sendable, BitwiseCopyable {
    public static let size = 5
    /// Largest accepted record body: 2^14 plaintext + 2048 (TLS 1.2 ciphertext expansion).
    public static let maxBodyLength = 16384 + 2048

    public var contentType: UInt8
    public var version: UInt16
    public var length: Int

    /// Reads the header at `offset`; nil if fewer than 5 bytes remain, which in a stream means
    /// "wait for more bytes", not a failure (`isPlausible` judges the header once read).
    @inline(__always)
    public init?(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0) {
        guard offset >= 0, bytes.count &- offset >= Self.size else { return nil }
        contentType = bytes.u8(offset)
        version = bytes.be16(offset &+ 1)
        length = Int(bytes.be16(offset &+ 3))
    }

    /// Plausible TLS record: known content type, major version 3, bounded length.
    @inline(__always)
    public var isPlausible: Bool {
        contentType >= TLSContentType.changeCipherSpec.rawValue && contentType <= TLSContentType.tls12CID.rawValue && version >> 8 == 3 && version & 0xFF <= 4
            && length <= Self.maxBodyLength
    }

    public var type: TLSContentType? { TLSContentType(rawValue: contentType) }
}

/// Four lower-case hex digits.
@inline(never)
func hex4(_ v: UInt16) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 4)
    for i in 0..<4 { out[i] = digits[Int((v >> (12 - 4 * UInt16(i))) & 0xF)] }
    return String(decoding: out, as: UTF8.self)
}
