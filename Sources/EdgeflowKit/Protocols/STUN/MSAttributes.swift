/// MS-SEQUENCE-NUMBER (0x8050): a 20-byte connection ID then a 32-bit sequence number
/// (MS-TURN §2.2.2; WS-STUN; TURNER).
public struct MSSequenceNumber: Sendable, BitwiseCopyable, Equatable {
    /// The 20-byte connection ID, as a range of the message.
    public var connectionID: ByteRange
    public var sequence: UInt32
}

/// MS-SERVICE-QUALITY (0x8055): stream type and service quality (MS-TURN §2.2.2.22).
public struct MSServiceQuality: Sendable, BitwiseCopyable, Equatable {
    /// 1 = audio, 2 = video, 3 = supplemental video, 4 = data.
    public var streamType: UInt16
    /// 0 = best effort, 1 = reliable.
    public var serviceQuality: UInt16
}

/// BANDWIDTH-RESERVATION-AMOUNT (0x8058): four kbit/s figures, in wire order (MS-TURNBWM §2.2.3).
public struct MSBandwidthAmount: Sendable, BitwiseCopyable, Equatable {
    public var maxSend: UInt32
    public var minSend: UInt32
    public var maxReceive: UInt32
    public var minReceive: UInt32
}

/// The *-SITE-ADDRESS-RESPONSE attributes (0x805D-0x8060): flags (bit 31 V = valid, bit 30 F =
/// PSTN failover) and two kbit/s limits (MS-TURNBWM §2.2.8).
public struct MSSiteAddressResponse: Sendable, BitwiseCopyable, Equatable {
    public var flags: UInt32
    public var maxSend: UInt32
    public var maxReceive: UInt32
    public var valid: Bool { flags & 0x8000_0000 != 0 }
    public var pstnFailover: Bool { flags & 0x4000_0000 != 0 }
}

/// LOCATION-PROFILE (0x8068): peer and own location (0 unknown, 1 Internet, 2 intranet) and
/// federation (0 none, 1 enterprise, 2 public cloud) (MS-TURNBWM §2.2.14).
public struct MSLocationProfile: Sendable, BitwiseCopyable, Equatable {
    public var peerLocation: UInt8
    public var selfLocation: UInt8
    public var federation: UInt8
}

/// The four bandwidth-management site addresses (0x8059-0x805C, XOR-encoded as Wireshark
/// decodes them) and their responses (0x805D-0x8060) (MS-TURNBWM §2.2.4-2.2.8).
public struct MSBandwidthSites: Sendable, BitwiseCopyable {
    public var remoteSite: STUNAddress? {
        get { present & 1 != 0 ? _remoteSite : nil }
        set { storePresent(newValue, in: &_remoteSite, bit: 1, of: &present) }
    }
    public var remoteRelaySite: STUNAddress? {
        get { present & 2 != 0 ? _remoteRelaySite : nil }
        set { storePresent(newValue, in: &_remoteRelaySite, bit: 2, of: &present) }
    }
    public var localSite: STUNAddress? {
        get { present & 4 != 0 ? _localSite : nil }
        set { storePresent(newValue, in: &_localSite, bit: 4, of: &present) }
    }
    public var localRelaySite: STUNAddress? {
        get { present & 8 != 0 ? _localRelaySite : nil }
        set { storePresent(newValue, in: &_localRelaySite, bit: 8, of: &present) }
    }
    public var remoteSiteResponse: MSSiteAddressResponse? {
        get { present & 16 != 0 ? _remoteSiteResponse : nil }
        set { storePresent(newValue, in: &_remoteSiteResponse, bit: 16, of: &present) }
    }
    public var remoteRelaySiteResponse: MSSiteAddressResponse? {
        get { present & 32 != 0 ? _remoteRelaySiteResponse : nil }
        set { storePresent(newValue, in: &_remoteRelaySiteResponse, bit: 32, of: &present) }
    }
    public var localSiteResponse: MSSiteAddressResponse? {
        get { present & 64 != 0 ? _localSiteResponse : nil }
        set { storePresent(newValue, in: &_localSiteResponse, bit: 64, of: &present) }
    }
    public var localRelaySiteResponse: MSSiteAddressResponse? {
        get { present & 128 != 0 ? _localRelaySiteResponse : nil }
        set { storePresent(newValue, in: &_localRelaySiteResponse, bit: 128, of: &present) }
    }

    /// One bit per site value above, set when it was read (cleared by `STUNAttributes.reset`).
    var present: UInt8 = 0
    private var _remoteSite = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _remoteRelaySite = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _localSite = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _localRelaySite = STUNAddress(ip: IPAddress(hi: 0, lo: 0), port: 0, family: 0)
    private var _remoteSiteResponse = MSSiteAddressResponse(flags: 0, maxSend: 0, maxReceive: 0)
    private var _remoteRelaySiteResponse = MSSiteAddressResponse(flags: 0, maxSend: 0, maxReceive: 0)
    private var _localSiteResponse = MSSiteAddressResponse(flags: 0, maxSend: 0, maxReceive: 0)
    private var _localRelaySiteResponse = MSSiteAddressResponse(flags: 0, maxSend: 0, maxReceive: 0)

    public init() {}
}
