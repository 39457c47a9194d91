/// Type and length of one attribute, kept for the first few attributes edgeflow does not know.
public struct STUNRawAttribute: Sendable, BitwiseCopyable, Equatable {
    public var type: UInt16
    public var length: UInt16
}

/// Facts read from a message's attributes (RFC 8489 §14; RFC 8656 §18; RFC 8445 §16.1;
/// MS-TURN §2.2.2; MS-TURNBWM §2.2; MS-ICE2). Only the first occurrence of each attribute
/// counts (RFC 8489 §14). Text and opaque values are `ByteRange`s into the message buffer;
/// every offset is from the message's first byte.
public struct STUNAttributes: Sendable, BitwiseCopyable {
    // Addresses
    /// MAPPED-ADDRESS 0x0001 (RFC 8489 §14.1).
    public var mappedAddress: STUNAddress? {
        get { present & Bit.mappedAddress != 0 ? _mappedAddress : nil }
        set { storePresent(newValue, in: &_mappedAddress, bit: Bit.mappedAddress, of: &present) }
    }
    /// XOR-MAPPED-ADDRESS 0x0020 (RFC 8489 §14.2).
    public var xorMappedAddress: STUNAddress? {
        get { present & Bit.xorMappedAddress != 0 ? _xorMappedAddress : nil }
        set { storePresent(newValue, in: &_xorMappedAddress, bit: Bit.xorMappedAddress, of: &present) }
    }
    /// XOR-MAPPED-ADDRESS 0x8020 (MS-TURN §2.2.2.16; also pre-RFC 5389 drafts).
    public var msXorMappedAddress: STUNAddress? {
        get { present & Bit.msXorMappedAddress != 0 ? _msXorMappedAddress : nil }
        set { storePresent(newValue, in: &_msXorMappedAddress, bit: Bit.msXorMappedAddress, of: &present) }
    }
    /// XOR-PEER-ADDRESS 0x0012 (RFC 8656 §18.3), in RFC 5389 messages.
    public var xorPeerAddress: STUNAddress? {
        get { present & Bit.xorPeerAddress != 0 ? _xorPeerAddress : nil }
        set { storePresent(newValue, in: &_xorPeerAddress, bit: Bit.xorPeerAddress, of: &present) }
    }
    /// XOR-RELAYED-ADDRESS 0x0016 (RFC 8656 §18.5).
    public var xorRelayedAddress: STUNAddress? {
        get { present & Bit.xorRelayedAddress != 0 ? _xorRelayedAddress : nil }
        set { storePresent(newValue, in: &_xorRelayedAddress, bit: Bit.xorRelayedAddress, of: &present) }
    }
    /// ALTERNATE-SERVER 0x8023 (RFC 8489 §14.15), or MS-TURN's plain 0x000E.
    public var alternateServer: STUNAddress? {
        get { present & Bit.alternateServer != 0 ? _alternateServer : nil }
        set { storePresent(newValue, in: &_alternateServer, bit: Bit.alternateServer, of: &present) }
    }
    /// DESTINATION-ADDRESS 0x0011, plain, in MS-TURN Send and Set Active Destination (MS-TURN §2.2.2).
    public var destinationAddress: STUNAddress? {
        get { present & Bit.destinationAddress != 0 ? _destinationAddress : nil }
        set { storePresent(newValue, in: &_destinationAddress, bit: Bit.destinationAddress, of: &present) }
    }
    /// REMOTE-ADDRESS 0x0012, plain, in MS-TURN messages (MS-TURN §2.2.2).
    public var remoteAddress: STUNAddress? {
        get { present & Bit.remoteAddress != 0 ? _remoteAddress : nil }
        set { storePresent(newValue, in: &_remoteAddress, bit: Bit.remoteAddress, of: &present) }
    }
    /// MS-ALTERNATE-MAPPED-ADDRESS 0x8090, plain (MS-TURN §2.2.2).
    public var msAlternateMappedAddress: STUNAddress? {
        get { present & Bit.msAlternateMappedAddress != 0 ? _msAlternateMappedAddress : nil }
        set { storePresent(newValue, in: &_msAlternateMappedAddress, bit: Bit.msAlternateMappedAddress, of: &present) }
    }

    // Text and opaque values
    /// USERNAME 0x0006 (RFC 8489 §14.3).
    public var username: ByteRange? {
        get { present & Bit.username != 0 ? _username : nil }
        set { storePresent(newValue, in: &_username, bit: Bit.username, of: &present) }
    }
    /// REALM: 0x0014 in RFC 5389/3489 messages, 0x0015 in MS-TURN (MS-TURN §2.2.2).
    public var realm: ByteRange? {
        get { present & Bit.realm != 0 ? _realm : nil }
        set { storePresent(newValue, in: &_realm, bit: Bit.realm, of: &present) }
    }
    /// NONCE: 0x0015 in RFC 5389/3489 messages, 0x0014 in MS-TURN (MS-TURN §2.2.2).
    public var nonce: ByteRange? {
        get { present & Bit.nonce != 0 ? _nonce : nil }
        set { storePresent(newValue, in: &_nonce, bit: Bit.nonce, of: &present) }
    }
    /// SOFTWARE 0x8022 (RFC 8489 §14.14).
    public var software: ByteRange? {
        get { present & Bit.software != 0 ? _software : nil }
        set { storePresent(newValue, in: &_software, bit: Bit.software, of: &present) }
    }
    /// DATA 0x0013 (RFC 8656 §18.4; MS-TURN §2.2.2).
    public var data: ByteRange? {
        get { present & Bit.data != 0 ? _data : nil }
        set { storePresent(newValue, in: &_data, bit: Bit.data, of: &present) }
    }
    /// UNKNOWN-ATTRIBUTES 0x000A: a list of 16-bit types (RFC 8489 §14.13).
    public var unknownAttributesList: ByteRange? {
        get { present & Bit.unknownAttributesList != 0 ? _unknownAttributesList : nil }
        set { storePresent(newValue, in: &_unknownAttributesList, bit: Bit.unknownAttributesList, of: &present) }
    }

    // ERROR-CODE
    /// ERROR-CODE 0x0009: class * 100 + number (RFC 8489 §14.8). Class 2 (MS-ICE2BWM 274/275) is kept.
    public var errorCode: UInt16? {
        get { present & Bit.errorCode != 0 ? _errorCode : nil }
        set { storePresent(newValue, in: &_errorCode, bit: Bit.errorCode, of: &present) }
    }
    /// The ERROR-CODE reason phrase.
    public var errorReason: ByteRange? {
        get { present & Bit.errorReason != 0 ? _errorReason : nil }
        set { storePresent(newValue, in: &_errorReason, bit: Bit.errorReason, of: &present) }
    }

    // Numbers and flags
    /// LIFETIME 0x000D, seconds (RFC 8656 §18.2).
    public var lifetime: UInt32? {
        get { present & Bit.lifetime != 0 ? _lifetime : nil }
        set { storePresent(newValue, in: &_lifetime, bit: Bit.lifetime, of: &present) }
    }
    /// REQUESTED-TRANSPORT 0x0019 protocol number: 17 UDP, 6 TCP (RFC 8656 §18.8).
    public var requestedTransport: UInt8? {
        get { present & Bit.requestedTransport != 0 ? _requestedTransport : nil }
        set { storePresent(newValue, in: &_requestedTransport, bit: Bit.requestedTransport, of: &present) }
    }
    /// CHANNEL-NUMBER 0x000C (RFC 8656 §18.1).
    public var channelNumber: UInt16? {
        get { present & Bit.channelNumber != 0 ? _channelNumber : nil }
        set { storePresent(newValue, in: &_channelNumber, bit: Bit.channelNumber, of: &present) }
    }
    /// PRIORITY 0x0024 (RFC 8445 §16.1).
    public var priority: UInt32? {
        get { present & Bit.priority != 0 ? _priority : nil }
        set { storePresent(newValue, in: &_priority, bit: Bit.priority, of: &present) }
    }
    /// USE-CANDIDATE 0x0025 present (RFC 8445 §16.1).
    public var useCandidate = false
    /// ICE-CONTROLLED 0x8029 tie-breaker (RFC 8445 §16.1).
    public var iceControlled: UInt64? {
        get { present & Bit.iceControlled != 0 ? _iceControlled : nil }
        set { storePresent(newValue, in: &_iceControlled, bit: Bit.iceControlled, of: &present) }
    }
    /// ICE-CONTROLLING 0x802A tie-breaker (RFC 8445 §16.1).
    public var iceControlling: UInt64? {
        get { present & Bit.iceControlling != 0 ? _iceControlling : nil }
        set { storePresent(newValue, in: &_iceControlling, bit: Bit.iceControlling, of: &present) }
    }

    // Integrity and fingerprint
    /// MESSAGE-INTEGRITY 0x0008 value (20 bytes HMAC-SHA1, or 32 in MS-TURN with MS-VERSION >= 3)
    /// (RFC 8489 §14.5; MS-TURN §2.2.2). The attribute starts 4 bytes before `offset`.
    public var messageIntegrity: ByteRange? {
        get { present & Bit.messageIntegrity != 0 ? _messageIntegrity : nil }
        set { storePresent(newValue, in: &_messageIntegrity, bit: Bit.messageIntegrity, of: &present) }
    }
    /// MESSAGE-INTEGRITY-SHA256 0x001C value (RFC 8489 §14.6).
    public var messageIntegritySHA256: ByteRange? {
        get { present & Bit.messageIntegritySHA256 != 0 ? _messageIntegritySHA256 : nil }
        set { storePresent(newValue, in: &_messageIntegritySHA256, bit: Bit.messageIntegritySHA256, of: &present) }
    }
    /// FINGERPRINT 0x8028 value as sent (RFC 8489 §14.7).
    public var fingerprintValue: UInt32? {
        get { present & Bit.fingerprintValue != 0 ? _fingerprintValue : nil }
        set { storePresent(newValue, in: &_fingerprintValue, bit: Bit.fingerprintValue, of: &present) }
    }
    /// Offset of the FINGERPRINT attribute header, 0 when absent.
    public var fingerprintOffset: UInt32 = 0
    /// Whether FINGERPRINT matched (RFC 8489 §14.7; MS-ICE2 legacy table).
    public var fingerprint: STUNFingerprintStatus = .absent
    /// Attributes found after FINGERPRINT, which must be last (RFC 8489 §14.7).
    public var attributesAfterFingerprint: UInt16 = 0

    // Microsoft
    /// MS-VERSION 0x8008 (MS-TURN §2.2.2.17): 1 MS-ICE ... 6 multiplexed TURN over UDP and TCP.
    public var msVersion: UInt32? {
        get { present & Bit.msVersion != 0 ? _msVersion : nil }
        set { storePresent(newValue, in: &_msVersion, bit: Bit.msVersion, of: &present) }
    }
    /// MS-SEQUENCE-NUMBER 0x8050.
    public var msSequenceNumber: MSSequenceNumber? {
        get { present & Bit.msSequenceNumber != 0 ? _msSequenceNumber : nil }
        set { storePresent(newValue, in: &_msSequenceNumber, bit: Bit.msSequenceNumber, of: &present) }
    }
    /// MS-SERVICE-QUALITY 0x8055 (MS-TURN §2.2.2.22).
    public var msServiceQuality: MSServiceQuality? {
        get { present & Bit.msServiceQuality != 0 ? _msServiceQuality : nil }
        set { storePresent(newValue, in: &_msServiceQuality, bit: Bit.msServiceQuality, of: &present) }
    }
    /// BANDWIDTH 0x0010, peak kbit/s (MS-TURN §2.2.2).
    public var bandwidth: UInt32? {
        get { present & Bit.bandwidth != 0 ? _bandwidth : nil }
        set { storePresent(newValue, in: &_bandwidth, bit: Bit.bandwidth, of: &present) }
    }
    /// BANDWIDTH-ADMISSION-CONTROL-MESSAGE 0x8056 type: 0 reservation check, 1 commit, 2 update (MS-TURNBWM).
    public var bandwidthAdmissionMessage: UInt16? {
        get { present & Bit.bandwidthAdmissionMessage != 0 ? _bandwidthAdmissionMessage : nil }
        set { storePresent(newValue, in: &_bandwidthAdmissionMessage, bit: Bit.bandwidthAdmissionMessage, of: &present) }
    }
    /// BANDWIDTH-RESERVATION-IDENTIFIER 0x8057, 16 bytes (MS-TURNBWM).
    public var bandwidthReservationID: ByteRange? {
        get { present & Bit.bandwidthReservationID != 0 ? _bandwidthReservationID : nil }
        set { storePresent(newValue, in: &_bandwidthReservationID, bit: Bit.bandwidthReservationID, of: &present) }
    }
    /// BANDWIDTH-RESERVATION-AMOUNT 0x8058 (MS-TURNBWM §2.2.3).
    public var bandwidthReservationAmount: MSBandwidthAmount? {
        get { present & Bit.bandwidthReservationAmount != 0 ? _bandwidthReservationAmount : nil }
        set { storePresent(newValue, in: &_bandwidthReservationAmount, bit: Bit.bandwidthReservationAmount, of: &present) }
    }
    /// Site addresses and their responses 0x8059-0x8060 (MS-TURNBWM §2.2.4-8).
    public var sites = MSBandwidthSites()
    /// SIP-DIALOG-ID 0x8061 (MS-TURNBWM §2.2.12).
    public var sipDialogID: ByteRange? {
        get { present & Bit.sipDialogID != 0 ? _sipDialogID : nil }
        set { storePresent(newValue, in: &_sipDialogID, bit: Bit.sipDialogID, of: &present) }
    }
    /// SIP-CALL-ID 0x8062 (MS-TURNBWM §2.2.13).
    public var sipCallID: ByteRange? {
        get { present & Bit.sipCallID != 0 ? _sipCallID : nil }
        set { storePresent(newValue, in: &_sipCallID, bit: Bit.sipCallID, of: &present) }
    }
    /// LOCATION-PROFILE 0x8068 (MS-TURNBWM §2.2.14).
    public var locationProfile: MSLocationProfile? {
        get { present & Bit.locationProfile != 0 ? _locationProfile : nil }
        set { storePresent(newValue, in: &_locationProfile, bit: Bit.locationProfile, of: &present) }
    }
    /// MS-MULTIPLEXED-TURN-SESSION-ID 0x8095, 8 bytes (MS-TURN §2.2.2, §2.2.3).
    public var msMultiplexedTURNSessionID: UInt64? {
        get { present & Bit.msMultiplexedTURNSessionID != 0 ? _msMultiplexedTURNSessionID : nil }
        set { storePresent(newValue, in: &_msMultiplexedTURNSessionID, bit: Bit.msMultiplexedTURNSessionID, of: &present) }
    }
    /// MS-CANDIDATE-IDENTIFIER 0x8054, candidate foundation (MS-ICE2; format partly unconfirmed).
    public var msCandidateIdentifier: ByteRange? {
        get { present & Bit.msCandidateIdentifier != 0 ? _msCandidateIdentifier : nil }
        set { storePresent(newValue, in: &_msCandidateIdentifier, bit: Bit.msCandidateIdentifier, of: &present) }
    }
    /// MS-IMPLEMENTATION-VERSION 0x8070: 0-2 draft-02 formats, >= 3 RFC 5389 formats (MS-ICE2).
    public var msImplementationVersion: UInt32? {
        get { present & Bit.msImplementationVersion != 0 ? _msImplementationVersion : nil }
        set { storePresent(newValue, in: &_msImplementationVersion, bit: Bit.msImplementationVersion, of: &present) }
    }
    /// MS-ALTERNATE-HOST-NAME 0x8032 (MS-TURN §2.2.2).
    public var msAlternateHostName: ByteRange? {
        get { present & Bit.msAlternateHostName != 0 ? _msAlternateHostName : nil }
        set { storePresent(newValue, in: &_msAlternateHostName, bit: Bit.msAlternateHostName, of: &present) }
    }
    /// The undocumented 0x8006 seen in MS-TURN Allocates (WS-STUN; nDPI).
    public var msUnknown8006: UInt32? {
        get { present & Bit.msUnknown8006 != 0 ? _msUnknown8006 : nil }
        set { storePresent(newValue, in: &_msUnknown8006, bit: Bit.msUnknown8006, of: &present) }
    }

    // Counts
    /// Attributes walked.
    public var count: UInt16 = 0
    /// Attributes whose code edgeflow does not know.
    public var unknownCount: UInt16 = 0
    /// Type and length of the first four unknown attributes.
    private var firstUnknown: (STUNRawAttribute, STUNRawAttribute, STUNRawAttribute, STUNRawAttribute) =
        (STUNRawAttribute(type: 0, length: 0), STUNRawAttribute(type: 0, length: 0),
         STUNRawAttribute(type: 0, length: 0), STUNRawAttribute(type: 0, length: 0))
    /// Known attributes whose value had an impossible length or family (value left out).
    public var malformedCount: UInt16 = 0
    /// Type of the first malformed attribute.
    public var firstMalformedType: UInt16 = 0

    /// One bit per optional attribute above, set when its value was read: a message is
    /// cleared by clearing this word (`reset`), not every value.
    private var present: UInt64 = 0
    private enum Bit {
        static let mappedAddress: UInt64 = 1 << 0
        static let xorMappedAddress: UInt64 = 1 << 1
        static let msXorMappedAddress: UInt64 = 1 << 2
        static let xorPeerAddress: UInt64 = 1 << 3
        static let xorRelayedAddress: UInt64 = 1 << 4
        static let alternateServer: UInt64 = 1 << 5
        static let destinationAddress: UInt64 = 1 << 6
        static let remoteAddress: UInt64 = 1 << 7
        static let msAlternateMappedAddress: UInt64 = 1 << 8
        static let username: UInt64 = 1 << 9
        static let realm: UInt64 = 1 << 10
        static let nonce: UInt64 = 1 << 11
        static let software: UInt64 = 1 << 12
        static let data: UInt64 = 1 << 13
        static let unknownAttributesList: UInt64 = 1 << 14
        static let errorCode: UInt64 = 1 << 15
        static let errorReason: UInt64 = 1 << 16
        static let lifetime: UInt64 = 1 << 17
        static let requestedTransport: UInt64 = 1 << 18
        static let channelNumber: UInt64 = 1 << 19
        static let priority: UInt64 = 1 << 20
        static let iceControlled: UInt64 = 1 << 21
        static let iceControlling: UInt64 = 1 << 22
        static let messageIntegrity: UInt64 = 1 << 23
        static let messageIntegritySHA256: UInt64 = 1 << 24
        static let fingerprintValue: UInt64 = 1 << 25
        static let msVersion: UInt64 = 1 << 26
        static let msSequenceNumber: UInt64 = 1 << 27
        static let msServiceQuality: UInt64 = 1 << 28
        static let bandwidth: UInt64 = 1 << 29
        static let bandwidthAdmissionMessage: UInt64 = 1 << 30
        static let bandwidthReservationID: UInt64 = 1 << 31
        static let bandwidthReservationAmount: UInt64 = 1 << 32
        static let sipDialogID: UInt64 = 1 << 33
        static let sipCallID: UInt64 = 1 << 34
        static let locationProfile: UInt64 = 1 << 35
        static let msMultiplexedTURNSessionID: UInt64 = 1 << 36
        static let msCandidateIdentifier: UInt64 = 1 << 37
        static let msImplementationVersion: UInt64 = 1 << 38
        static let msAlternateHostName: UInt64 = 1 << 39
        static let msUnknown8006: UInt64 = 1 << 40
    }
    private var _mappedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _xorMappedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _msXorMappedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _xorPeerAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _xorRelayedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _alternateServer = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _destinationAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _remoteAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _msAlternateMappedAddress = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _username = ByteRange(offset: 0, length: 0)
    private var _realm = ByteRange(offset: 0, length: 0)
    private var _nonce = ByteRange(offset: 0, length: 0)
    private var _software = ByteRange(offset: 0, length: 0)
    private var _data = ByteRange(offset: 0, length: 0)
    private var _unknownAttributesList = ByteRange(offset: 0, length: 0)
    private var _errorCode: UInt16 = 0
    private var _errorReason = ByteRange(offset: 0, length: 0)
    private var _lifetime: UInt32 = 0
    private var _requestedTransport: UInt8 = 0
    private var _channelNumber: UInt16 = 0
    private var _priority: UInt32 = 0
    private var _iceControlled: UInt64 = 0
    private var _iceControlling: UInt64 = 0
    private var _messageIntegrity = ByteRange(offset: 0, length: 0)
    private var _messageIntegritySHA256 = ByteRange(offset: 0, length: 0)
    private var _fingerprintValue: UInt32 = 0
    private var _msVersion: UInt32 = 0
    private var _msSequenceNumber = MSSequenceNumber(connectionID: ByteRange(offset: 0, length: 0), sequence: 0)
    private var _msServiceQuality = MSServiceQuality(streamType: 0, serviceQuality: 0)
    private var _bandwidth: UInt32 = 0
    private var _bandwidthAdmissionMessage: UInt16 = 0
    private var _bandwidthReservationID = ByteRange(offset: 0, length: 0)
    private var _bandwidthReservationAmount = MSBandwidthAmount(maxSend: 0, minSend: 0, maxReceive: 0, minReceive: 0)
    private var _sipDialogID = ByteRange(offset: 0, length: 0)
    private var _sipCallID = ByteRange(offset: 0, length: 0)
    private var _locationProfile = MSLocationProfile(peerLocation: 0, selfLocation: 0, federation: 0)
    private var _msMultiplexedTURNSessionID: UInt64 = 0
    private var _msCandidateIdentifier = ByteRange(offset: 0, length: 0)
    private var _msImplementationVersion: UInt32 = 0
    private var _msAlternateHostName = ByteRange(offset: 0, length: 0)
    private var _msUnknown8006: UInt32 = 0

    public init() {}

    /// The mapped address a response gives: XOR-MAPPED-ADDRESS, else MS-TURN's 0x8020, else MAPPED-ADDRESS.
    public var anyMappedAddress: STUNAddress? { xorMappedAddress ?? msXorMappedAddress ?? mappedAddress }

    /// The peer of a Send or Data indication's DATA: XOR-PEER-ADDRESS (RFC 8656 §11), or MS-TURN's
    /// DESTINATION-ADDRESS (Send) or REMOTE-ADDRESS (Data indication), [MS-TURN] §2.2.2.
    public var dataPeer: STUNAddress? { xorPeerAddress ?? destinationAddress ?? remoteAddress }


    /// Clears the facts of a previous message, as `init()` would: the presence bits and the
    /// counts, not every value (a decoder reuses one `STUNAttributes` for every message).
    @inline(__always)
    public mutating func reset() {
        present = 0
        sites.present = 0
        useCandidate = false
        fingerprintOffset = 0
        fingerprint = .absent
        attributesAfterFingerprint = 0
        count = 0
        unknownCount = 0
        malformedCount = 0
        firstMalformedType = 0
    }

    /// The unknown attribute at `index` (0..<min(unknownCount, 4)).
    public func unknown(at index: Int) -> STUNRawAttribute? {
        guard index >= 0, index < min(Int(unknownCount), 4) else { return nil }
        switch index {
        case 0: return firstUnknown.0
        case 1: return firstUnknown.1
        case 2: return firstUnknown.2
        default: return firstUnknown.3
        }
    }

    mutating func noteUnknown(_ t: UInt16, _ l: Int) {
        let raw = STUNRawAttribute(type: t, length: UInt16(truncatingIfNeeded: l))
        switch unknownCount {
        case 0: firstUnknown.0 = raw
        case 1: firstUnknown.1 = raw
        case 2: firstUnknown.2 = raw
        case 3: firstUnknown.3 = raw
        default: break
        }
        unknownCount &+= 1
    }

    mutating func noteMalformed(_ t: UInt16) {
        if malformedCount == 0 { firstMalformedType = t }
        malformedCount &+= 1
    }
}

/// Walks the attribute TLVs of one message (RFC 8489 §14) and fills `STUNAttributes`.
enum STUNAttributeWalker {
    /// Walks the attributes of the message in `p` (which starts with the 20-byte header and ends
    /// at the message end). Every length, and the padding when `padding` is `.fourByte`, is checked
    /// against the bytes left. With `lenientEnd`, the last value may stop at the message end
    /// without its padding (seen in MS-TURN Allocates). With `flowFactsOnly`, only the attributes
    /// `STUNAttributeType.isFlowFact` names are recorded, by `recordFlowFact` (the others are
    /// checked and counted in `count`, nothing more). Returns nil on success. Transparent: each
    /// call site has its flavour, padding and mode constant, so the loop is specialised to them
    /// (`@inline(__always)` left it a call). With `alignedEnd` (the caller checked that the
    /// message's length is a multiple of 4, as RFC 5389's is) and 4-byte padding every attribute
    /// starts on a multiple of 4 before the end, so 4 bytes are left for its header: not tested.
    @_transparent
    static func walk(_ p: UnsafeRawBufferPointer, flavour: STUNFlavour, padding: STUNPadding,
                     lenientEnd: Bool, alignedEnd: Bool = false, flowFactsOnly: Bool = false,
                     into a: inout STUNAttributes) -> STUNFailure? {
        let end = p.count
        var off = 20
        // Counted here and stored once, at whichever return.
        var count = a.count
        defer { a.count = count }
        while off < end {
            guard (alignedEnd && padding == .fourByte) || end &- off >= 4 else {
                return STUNFailure(.attributeHeaderTruncated, at: off)
            }
            let t = p.be16(off)
            let l = Int(p.be16(off &+ 2))
            let v = off &+ 4
            let left = end &- v
            if padding == .fourByte {
                // The padded length fits (the commonest case) only if the length does: one test.
                let padded = (l &+ 3) & ~3
                if padded <= left {
                    off = v &+ padded
                } else {
                    guard l <= left else { return STUNFailure(.attributeOverrun, at: off, attributeType: t) }
                    guard lenientEnd else { return STUNFailure(.paddingOverrun, at: off, attributeType: t) }
                    off = end
                }
            } else {
                guard l <= left else { return STUNFailure(.attributeOverrun, at: off, attributeType: t) }
                off = v &+ l
            }
            count &+= 1
            if flowFactsOnly {
                // One bit test passes most attributes (PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT ...).
                if STUNAttributeType.isFlowFact(t) { _ = recordFlowFact(p, type: t, value: v, length: l, flavour: flavour, into: &a) }
            } else {
                if a.fingerprintOffset != 0 { a.attributesAfterFingerprint &+= 1 }
                record(p, type: t, value: v, length: l, flavour: flavour, into: &a)
            }
        }
        return nil
    }

    /// Records an attribute a flow's statistics, its transaction log or the media of a Send or
    /// Data indication read (`STUNFlowStats.record`, `STUNTransactionLog`,
    /// `FlowInspection.stunMessage`): the addresses (mapped, XOR-mapped and MS-TURN's, XOR-peer or
    /// MS-TURN's remote, destination, XOR-relayed), USERNAME, ERROR-CODE, CHANNEL-NUMBER,
    /// LIFETIME, DATA and MS-VERSION. False for any other code (nothing recorded): the
    /// dispatcher's decoder records only these (`STUNDecoder.decode`'s `flowFactsOnly`), with
    /// this switch alone, for the codes `STUNAttributeType.isFlowFact` names. Out of line: inlined
    /// in the walk, its optional values' stores copied the whole `STUNAttributes`. Called by the
    /// walk alone, for a value within `p` after its header: the addresses are read with their
    /// family and length checked, not again their place (`STUNAddress.xor(walked:value:length:)`).
    @inline(never)
    static func recordFlowFact(_ p: UnsafeRawBufferPointer, type t: UInt16, value v: Int, length l: Int,
                               flavour: STUNFlavour, into a: inout STUNAttributes) -> Bool {
        switch t {
        case STUNAttributeType.mappedAddress:
            if a.mappedAddress == nil {
                guard let x = STUNAddress.plain(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.mappedAddress = x
            }
        case STUNAttributeType.xorMappedAddress:
            if a.xorMappedAddress == nil {
                guard let x = STUNAddress.xor(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.xorMappedAddress = x
            }
        case STUNAttributeType.msXorMappedAddress:
            if a.msXorMappedAddress == nil {
                guard let x = STUNAddress.xor(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.msXorMappedAddress = x
            }
        case STUNAttributeType.xorPeerAddress:
            if flavour != .rfc5389 {
                if a.remoteAddress == nil {
                    guard let x = STUNAddress.plain(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                    a.remoteAddress = x
                }
            } else if a.xorPeerAddress == nil {
                guard let x = STUNAddress.xor(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.xorPeerAddress = x
            }
        case STUNAttributeType.xorRelayedAddress:
            if a.xorRelayedAddress == nil {
                guard let x = STUNAddress.xor(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.xorRelayedAddress = x
            }
        case STUNAttributeType.destinationAddress:
            if a.destinationAddress == nil {
                guard let x = STUNAddress.plain(walked: p, value: v, length: l) else { a.noteMalformed(t); return true }
                a.destinationAddress = x
            }
        case STUNAttributeType.username:
            if a.username == nil { a.username = ByteRange(offset: v, length: l) }
        case STUNAttributeType.data:
            if a.data == nil { a.data = ByteRange(offset: v, length: l) }
        case STUNAttributeType.errorCode:
            guard l >= 4 else { a.noteMalformed(t); return true }
            if a.errorCode == nil {
                a.errorCode = UInt16(p.u8(v &+ 2) & 0x07) &* 100 &+ UInt16(p.u8(v &+ 3))
                a.errorReason = ByteRange(offset: v &+ 4, length: l &- 4)
            }
        case STUNAttributeType.lifetime:
            guard l == 4 else { a.noteMalformed(t); return true }
            if a.lifetime == nil { a.lifetime = p.be32(v) }
        case STUNAttributeType.channelNumber:
            guard l == 4 else { a.noteMalformed(t); return true }
            if a.channelNumber == nil { a.channelNumber = p.be16(v) }
        case STUNAttributeType.msVersion:
            guard l == 4 else { a.noteMalformed(t); return true }
            if a.msVersion == nil { a.msVersion = p.be32(v) }
        default:
            return false
        }
        return true
    }

    /// Records any attribute: a flow fact by `recordFlowFact`, the others here.
    static func record(_ p: UnsafeRawBufferPointer, type t: UInt16, value v: Int, length l: Int,
                       flavour: STUNFlavour, into a: inout STUNAttributes) {
        if recordFlowFact(p, type: t, value: v, length: l, flavour: flavour, into: &a) { return }
        let ms = flavour != .rfc5389
        let range = ByteRange(offset: v, length: l)
        switch t {
        case STUNAttributeType.alternateServer, STUNAttributeType.msAlternateServer:
            if t == STUNAttributeType.msAlternateServer && !ms { return a.noteUnknown(t, l) }
            if a.alternateServer == nil {
                guard let x = STUNAddress.plain(p, value: v, length: l) else { return a.noteMalformed(t) }
                a.alternateServer = x
            }
        case STUNAttributeType.msAlternateMappedAddress:
            if a.msAlternateMappedAddress == nil {
                guard let x = STUNAddress.plain(p, value: v, length: l) else { return a.noteMalformed(t) }
                a.msAlternateMappedAddress = x
            }
        case STUNAttributeType.realm:   // 0x0014: NONCE in MS-TURN
            if flavour == .msTURN {
                if a.nonce == nil { a.nonce = range }
            } else if a.realm == nil { a.realm = range }
        case STUNAttributeType.nonce:   // 0x0015: REALM in MS-TURN
            if flavour == .msTURN {
                if a.realm == nil { a.realm = range }
            } else if a.nonce == nil { a.nonce = range }
        case STUNAttributeType.software:
            if a.software == nil { a.software = range }
        case STUNAttributeType.unknownAttributes:
            guard l & 1 == 0 else { return a.noteMalformed(t) }
            if a.unknownAttributesList == nil { a.unknownAttributesList = range }
        case STUNAttributeType.requestedTransport:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.requestedTransport == nil { a.requestedTransport = p.u8(v) }
        case STUNAttributeType.priority:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.priority == nil { a.priority = p.be32(v) }
        case STUNAttributeType.useCandidate:
            guard l == 0 else { return a.noteMalformed(t) }
            a.useCandidate = true
        case STUNAttributeType.iceControlled:
            guard l == 8 else { return a.noteMalformed(t) }
            if a.iceControlled == nil { a.iceControlled = p.be64(v) }
        case STUNAttributeType.iceControlling:
            guard l == 8 else { return a.noteMalformed(t) }
            if a.iceControlling == nil { a.iceControlling = p.be64(v) }
        case STUNAttributeType.messageIntegrity:
            guard l == 20 || l == 32 else { return a.noteMalformed(t) }
            if a.messageIntegrity == nil { a.messageIntegrity = range }
        case STUNAttributeType.messageIntegritySHA256:
            guard l >= 16, l <= 32, l & 3 == 0 else { return a.noteMalformed(t) }
            if a.messageIntegritySHA256 == nil { a.messageIntegritySHA256 = range }
        case STUNAttributeType.fingerprint:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.fingerprintValue == nil {
                a.fingerprintValue = p.be32(v)
                a.fingerprintOffset = UInt32(truncatingIfNeeded: v &- 4)
            }
        case STUNAttributeType.msMagicCookie:
            guard l == 4 else { return a.noteMalformed(t) }
        case STUNAttributeType.msSequenceNumber:
            guard l == 24 else { return a.noteMalformed(t) }
            if a.msSequenceNumber == nil {
                a.msSequenceNumber = MSSequenceNumber(connectionID: ByteRange(offset: v, length: 20), sequence: p.be32(v &+ 20))
            }
        case STUNAttributeType.msServiceQuality:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.msServiceQuality == nil {
                a.msServiceQuality = MSServiceQuality(streamType: p.be16(v), serviceQuality: p.be16(v &+ 2))
            }
        case STUNAttributeType.bandwidth:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.bandwidth == nil { a.bandwidth = p.be32(v) }
        case STUNAttributeType.bandwidthAdmissionControlMessage:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.bandwidthAdmissionMessage == nil { a.bandwidthAdmissionMessage = p.be16(v &+ 2) }
        case STUNAttributeType.bandwidthReservationIdentifier:
            guard l == 16 else { return a.noteMalformed(t) }
            if a.bandwidthReservationID == nil { a.bandwidthReservationID = range }
        case STUNAttributeType.bandwidthReservationAmount:
            guard l == 16 else { return a.noteMalformed(t) }
            if a.bandwidthReservationAmount == nil {
                a.bandwidthReservationAmount = MSBandwidthAmount(maxSend: p.be32(v), minSend: p.be32(v &+ 4),
                                                                 maxReceive: p.be32(v &+ 8), minReceive: p.be32(v &+ 12))
            }
        case STUNAttributeType.remoteSiteAddress...STUNAttributeType.localRelaySiteAddress:
            guard let x = STUNAddress.xor(p, value: v, length: l) else { return a.noteMalformed(t) }
            switch t {
            case STUNAttributeType.remoteSiteAddress: if a.sites.remoteSite == nil { a.sites.remoteSite = x }
            case STUNAttributeType.remoteRelaySiteAddress: if a.sites.remoteRelaySite == nil { a.sites.remoteRelaySite = x }
            case STUNAttributeType.localSiteAddress: if a.sites.localSite == nil { a.sites.localSite = x }
            default: if a.sites.localRelaySite == nil { a.sites.localRelaySite = x }
            }
        case STUNAttributeType.remoteSiteAddressResponse...STUNAttributeType.localRelaySiteAddressResponse:
            guard l == 12 else { return a.noteMalformed(t) }
            let r = MSSiteAddressResponse(flags: p.be32(v), maxSend: p.be32(v &+ 4), maxReceive: p.be32(v &+ 8))
            switch t {
            case STUNAttributeType.remoteSiteAddressResponse:
                if a.sites.remoteSiteResponse == nil { a.sites.remoteSiteResponse = r }
            case STUNAttributeType.remoteRelaySiteAddressResponse:
                if a.sites.remoteRelaySiteResponse == nil { a.sites.remoteRelaySiteResponse = r }
            case STUNAttributeType.localSiteAddressResponse:
                if a.sites.localSiteResponse == nil { a.sites.localSiteResponse = r }
            default:
                if a.sites.localRelaySiteResponse == nil { a.sites.localRelaySiteResponse = r }
            }
        case STUNAttributeType.sipDialogID:
            if a.sipDialogID == nil { a.sipDialogID = range }
        case STUNAttributeType.sipCallID:
            if a.sipCallID == nil { a.sipCallID = range }
        case STUNAttributeType.locationProfile:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.locationProfile == nil {
                a.locationProfile = MSLocationProfile(peerLocation: p.u8(v), selfLocation: p.u8(v &+ 1), federation: p.u8(v &+ 2))
            }
        case STUNAttributeType.msMultiplexedTURNSessionID:
            guard l == 8 else { return a.noteMalformed(t) }
            if a.msMultiplexedTURNSessionID == nil { a.msMultiplexedTURNSessionID = p.be64(v) }
        case STUNAttributeType.msCandidateIdentifier:
            if a.msCandidateIdentifier == nil { a.msCandidateIdentifier = range }
        case STUNAttributeType.msImplementationVersion:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.msImplementationVersion == nil { a.msImplementationVersion = p.be32(v) }
        case STUNAttributeType.msAlternateHostName:
            if a.msAlternateHostName == nil { a.msAlternateHostName = range }
        case STUNAttributeType.msUnknown8006:
            guard l == 4 else { return a.noteMalformed(t) }
            if a.msUnknown8006 == nil { a.msUnknown8006 = p.be32(v) }
        default:
            if !STUNAttributeType.isRecognisedWithoutValue(t) { a.noteUnknown(t, l) }
        }
    }
}

/// Sets an optional attribute kept as a value and a presence bit (`STUNAttributes`,
/// `MSBandwidthSites`): nil clears the bit and leaves the value as it was.
@inline(__always)
func storePresent<T, Bits: FixedWidthInteger>(_ value: T?, in slot: inout T, bit: Bits, of present: inout Bits) {
    if let value { slot = value; present |= bit } else { present &= ~bit }
}
