/// A STUN/TURN method as the message's flavour names it. The same type code means different
/// things in RFC 5766/8656 and MS-TURN, so the flavour is decided first (MS-TURN §2.2.1;
/// protocols.md §4.2).
public enum STUNMethod: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// Method 0x001 (RFC 8489 §18.2).
    case binding
    /// Method 0x002, legacy (RFC 3489 §11.1); MS-TURN forbids it.
    case sharedSecret
    /// Method 0x003 (RFC 8656 §17; MS-TURN §2.2.1 uses the same codes).
    case allocate
    /// Method 0x004 in RFC 8656 §17. (In MS-TURN 0x0004 is `msSend`.)
    case refresh
    /// Method 0x006, indication only (RFC 8656 §17).
    case send
    /// Method 0x007, indication only (RFC 8656 §17).
    case data
    /// Method 0x008 (RFC 8656 §17).
    case createPermission
    /// Method 0x009 (RFC 8656 §17).
    case channelBind
    /// Method 0x00A (RFC 6062 §6).
    case connect
    /// Method 0x00B (RFC 6062 §6).
    case connectionBind
    /// Method 0x00C (RFC 6062 §6).
    case connectionAttempt
    /// Method 0x080, Google's undocumented GOOG-PING (as Wireshark names it).
    case googPing
    /// MS-TURN Send request, type 0x0004 (MS-TURN §2.2.1).
    case msSend
    /// MS-TURN Data Indication, type 0x0115 (MS-TURN §2.2.1).
    case msDataIndication
    /// MS-TURN Set Active Destination, types 0x0006 / 0x0106 / 0x0116 (MS-TURN §2.2.1).
    case msSetActiveDestination
    /// Any other method code; the 12-bit value is in `STUNHeader.method`.
    case other

    /// Names the method of message type `type` in `flavour`.
    public init(type: UInt16, flavour: STUNFlavour) {
        if flavour != .rfc5389 {
            // MS-TURN and the TURN drafts enumerate whole type values (MS-TURN §2.2.1; WS-CSTUN).
            switch type {
            case 0x0001, 0x0011, 0x0101, 0x0111: self = .binding; return
            case 0x0002, 0x0102, 0x0112: self = .sharedSecret; return
            case 0x0003, 0x0103, 0x0113: self = .allocate; return
            case 0x0004, 0x0104, 0x0114: self = .msSend; return
            case 0x0115: self = .msDataIndication; return
            case 0x0006, 0x0106, 0x0116: self = .msSetActiveDestination; return
            default: break
            }
            if flavour == .msTURN { self = .other; return }
        }
        self.init(code: (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2))
    }

    /// Names a 12-bit method code as RFC 5389 messages (and RFC 3489's, past the types MS-TURN
    /// and the drafts enumerate) do: 0x001-0x00C by a nibble each of `lowCodes`, 0x080 GOOG-PING,
    /// any other code `other`. Inlined: a few instructions where the decoder knows the flavour.
    @inline(__always)
    init(code m: UInt16) {
        if m < 16 {
            // The cases' raw values are 0-15 in order, so a nibble is a case as it lies in memory
            // (`init(rawValue:)` stayed a call in the decoder); `RFC5769Tests.methodCodes` names every code.
            self = unsafeBitCast(UInt8(truncatingIfNeeded: Self.lowCodes &>> (UInt64(m) &* 4)) & 0xF, to: STUNMethod.self)
        } else {
            self = m == 0x080 ? .googPing : .other
        }
    }

    /// `init(code:)`'s names of codes 0x0-0xF, the raw value of code `c` in nibble `c`: 0x001
    /// Binding (0) to 0x004 Refresh (3), 0x006 Send (4) to 0x00C ConnectionAttempt (10); 0x000,
    /// 0x005 and 0x00D-0x00F `other` (15).
    private static let lowCodes: UInt64 = 0xFFFA_9876_54F3_210F

    /// Display name for reports.
    public var name: String { staticName.description }

    /// `name` as static text, for writers that copy bytes without making a `String`.
    var staticName: StaticString {
        switch self {
        case .binding: "Binding"
        case .sharedSecret: "SharedSecret"
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .send: "Send"
        case .data: "Data"
        case .createPermission: "CreatePermission"
        case .channelBind: "ChannelBind"
        case .connect: "Connect"
        case .connectionBind: "ConnectionBind"
        case .connectionAttempt: "ConnectionAttempt"
        case .googPing: "GOOG-PING"
        case .msSend: "Send"
        case .msDataIndication: "Data Indication"
        case .msSetActiveDestination: "Set Active Destination"
        case .other: "Unknown"
        }
    }
}

/// Report names for message classes.
extension STUNClass {
    /// Display name for reports (cold path).
    public var name: String {
        switch self {
        case .request: "Request"
        case .indication: "Indication"
        case .successResponse: "Success Response"
        case .errorResponse: "Error Response"
        }
    }
}

/// Report names for whole messages.
extension STUNMessage {
    /// "Allocate Success Response", "Data Indication", ... for reports (cold path).
    public var displayName: String {
        if method == .msDataIndication { return method.name }
        if method == .other {
            return "Method 0x" + String(header.method, radix: 16) + " " + messageClass.name
        }
        return method.name + " " + messageClass.name
    }
}
