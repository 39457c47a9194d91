/// STUN attribute type codes (RFC 8489 §14, §18.3; RFC 8656 §18; RFC 8445 §16.1; MS-TURN §2.2.2;
/// MS-TURNBWM §2.2; MS-ICE2). Where MS-TURN reuses a code with another meaning, both names are given.
public enum STUNAttributeType {
    public static let mappedAddress: UInt16 = 0x0001             // RFC 8489 §14.1
    public static let responseAddress: UInt16 = 0x0002           // RFC 3489 §11.2.2
    public static let changeRequest: UInt16 = 0x0003             // RFC 5780
    public static let sourceAddress: UInt16 = 0x0004             // RFC 3489 §11.2.5
    public static let changedAddress: UInt16 = 0x0005            // RFC 3489 §11.2.3
    public static let username: UInt16 = 0x0006                  // RFC 8489 §14.3
    public static let password: UInt16 = 0x0007                  // RFC 3489 §11.2.7
    public static let messageIntegrity: UInt16 = 0x0008          // RFC 8489 §14.5
    public static let errorCode: UInt16 = 0x0009                 // RFC 8489 §14.8
    public static let unknownAttributes: UInt16 = 0x000A         // RFC 8489 §14.13
    public static let reflectedFrom: UInt16 = 0x000B             // RFC 3489 §11.2.11
    public static let channelNumber: UInt16 = 0x000C             // RFC 8656 §18.1
    public static let lifetime: UInt16 = 0x000D                  // RFC 8656 §18.2
    public static let msAlternateServer: UInt16 = 0x000E         // MS-TURN §2.2.2 (plain address)
    public static let msMagicCookie: UInt16 = 0x000F             // MS-TURN §2.2.2.8
    public static let bandwidth: UInt16 = 0x0010                 // MS-TURN §2.2.2 (reserved in RFC 8656)
    public static let destinationAddress: UInt16 = 0x0011        // MS-TURN §2.2.2 (plain address)
    /// XOR-PEER-ADDRESS in RFC 8656 §18.3; REMOTE-ADDRESS (plain) in MS-TURN §2.2.2.
    public static let xorPeerAddress: UInt16 = 0x0012
    public static let data: UInt16 = 0x0013                      // RFC 8656 §18.4; MS-TURN §2.2.2
    /// REALM in RFC 8489 §14.9; NONCE in MS-TURN §2.2.2.
    public static let realm: UInt16 = 0x0014
    /// NONCE in RFC 8489 §14.10; REALM in MS-TURN §2.2.2.
    public static let nonce: UInt16 = 0x0015
    public static let xorRelayedAddress: UInt16 = 0x0016         // RFC 8656 §18.5
    public static let requestedAddressFamily: UInt16 = 0x0017    // RFC 8656 §18.6
    public static let evenPort: UInt16 = 0x0018                  // RFC 8656 §18.7
    public static let requestedTransport: UInt16 = 0x0019        // RFC 8656 §18.8
    public static let dontFragment: UInt16 = 0x001A              // RFC 8656 §18.9
    public static let accessToken: UInt16 = 0x001B               // RFC 7635
    public static let messageIntegritySHA256: UInt16 = 0x001C    // RFC 8489 §14.6
    public static let passwordAlgorithm: UInt16 = 0x001D         // RFC 8489 §14.12
    public static let userhash: UInt16 = 0x001E                  // RFC 8489 §14.4
    public static let xorMappedAddress: UInt16 = 0x0020          // RFC 8489 §14.2
    public static let reservationToken: UInt16 = 0x0022          // RFC 8656 §18.10
    public static let priority: UInt16 = 0x0024                  // RFC 8445 §16.1
    public static let useCandidate: UInt16 = 0x0025              // RFC 8445 §16.1
    public static let padding: UInt16 = 0x0026                   // RFC 5780
    public static let responsePort: UInt16 = 0x0027              // RFC 5780
    public static let connectionID: UInt16 = 0x002A              // RFC 6062
    public static let additionalAddressFamily: UInt16 = 0x8000   // RFC 8656 §18.11
    public static let addressErrorCode: UInt16 = 0x8001          // RFC 8656 §18.12
    public static let passwordAlgorithms: UInt16 = 0x8002        // RFC 8489 §14.11
    public static let alternateDomain: UInt16 = 0x8003           // RFC 8489 §14.16
    public static let icmp: UInt16 = 0x8004                      // RFC 8656 §18.13
    public static let msUnknown8006: UInt16 = 0x8006             // seen in MS-TURN captures (WS-STUN; nDPI)
    public static let msVersion: UInt16 = 0x8008                 // MS-TURN §2.2.2.17
    public static let msXorMappedAddress: UInt16 = 0x8020        // MS-TURN §2.2.2.16
    public static let software: UInt16 = 0x8022                  // RFC 8489 §14.14
    public static let alternateServer: UInt16 = 0x8023           // RFC 8489 §14.15
    public static let transactionTransmitCounter: UInt16 = 0x8025 // RFC 7982
    public static let cacheTimeout: UInt16 = 0x8027              // RFC 5780
    public static let fingerprint: UInt16 = 0x8028               // RFC 8489 §14.7
    public static let iceControlled: UInt16 = 0x8029             // RFC 8445 §16.1
    public static let iceControlling: UInt16 = 0x802A            // RFC 8445 §16.1
    public static let responseOrigin: UInt16 = 0x802B            // RFC 5780
    public static let otherAddress: UInt16 = 0x802C              // RFC 5780
    public static let msAlternateHostName: UInt16 = 0x8032       // MS-TURN §2.2.2
    public static let msAppID: UInt16 = 0x8037                   // MS-TURN §2.2.2
    public static let msSecureTag: UInt16 = 0x8039               // MS-TURN §2.2.2
    public static let msSequenceNumber: UInt16 = 0x8050          // MS-TURN §2.2.2
    public static let msCandidateIdentifier: UInt16 = 0x8054     // MS-ICE2
    public static let msServiceQuality: UInt16 = 0x8055          // MS-TURN §2.2.2.22
    public static let bandwidthAdmissionControlMessage: UInt16 = 0x8056 // MS-TURNBWM
    public static let bandwidthReservationIdentifier: UInt16 = 0x8057   // MS-TURNBWM
    public static let bandwidthReservationAmount: UInt16 = 0x8058       // MS-TURNBWM §2.2.3
    public static let remoteSiteAddress: UInt16 = 0x8059         // MS-TURNBWM §2.2.4
    public static let remoteRelaySiteAddress: UInt16 = 0x805A    // MS-TURNBWM §2.2.5
    public static let localSiteAddress: UInt16 = 0x805B          // MS-TURNBWM §2.2.6
    public static let localRelaySiteAddress: UInt16 = 0x805C     // MS-TURNBWM §2.2.7
    public static let remoteSiteAddressResponse: UInt16 = 0x805D // MS-TURNBWM §2.2.8
    public static let remoteRelaySiteAddressResponse: UInt16 = 0x805E
    public static let localSiteAddressResponse: UInt16 = 0x805F
    public static let localRelaySiteAddressResponse: UInt16 = 0x8060
    public static let sipDialogID: UInt16 = 0x8061               // MS-TURNBWM §2.2.12
    public static let sipCallID: UInt16 = 0x8062                 // MS-TURNBWM §2.2.13
    public static let locationProfile: UInt16 = 0x8068           // MS-TURNBWM §2.2.14
    public static let msImplementationVersion: UInt16 = 0x8070   // MS-ICE2
    public static let msAlternateMappedAddress: UInt16 = 0x8090  // MS-TURN §2.2.2 (plain address)
    public static let msMultiplexedTURNSessionID: UInt16 = 0x8095 // MS-TURN §2.2.2

    /// Whether a flow's statistics, its transaction log or the media of a Send or Data indication
    /// read this attribute (`STUNFlowStats.record`, `STUNTransactionLog`, `FlowInspection.stunMessage`):
    /// the addresses (mapped, XOR-mapped and MS-TURN's, XOR-peer or MS-TURN's remote, destination,
    /// XOR-relayed), USERNAME, ERROR-CODE, CHANNEL-NUMBER, LIFETIME, DATA and MS-VERSION. The
    /// dispatcher's decoder records only these (`STUNDecoder.decode`'s `flowFactsOnly`), by
    /// `STUNAttributeWalker.recordFlowFact`, whose switch holds exactly these codes.
    @inline(__always)
    public static func isFlowFact(_ t: UInt16) -> Bool {
        t < 64 ? flowFactCodes &>> t & 1 != 0 : t == msVersion || t == msXorMappedAddress
    }

    /// `isFlowFact`'s codes below 64, one bit each.
    private static let flowFactCodes: UInt64 = 1 << mappedAddress | 1 << username | 1 << errorCode | 1 << channelNumber
        | 1 << lifetime | 1 << destinationAddress | 1 << xorPeerAddress | 1 << data | 1 << xorRelayedAddress | 1 << xorMappedAddress

    /// Codes edgeflow recognises but keeps no value for (so they are not counted as unknown).
    public static func isRecognisedWithoutValue(_ t: UInt16) -> Bool {
        switch t {
        case 0x0002, 0x0003, 0x0004, 0x0005, 0x0007, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B,
             0x001D, 0x001E, 0x0022, 0x0026, 0x0027, 0x002A, 0x8000, 0x8001, 0x8002, 0x8003, 0x8004,
             0x8025, 0x8027, 0x802B, 0x802C, 0x802D, 0x802E, 0x8030, 0x8037, 0x8039,
             0xC057...0xC060, 0xFF04, 0xFF05:
            return true
        default:
            return false
        }
    }
}
