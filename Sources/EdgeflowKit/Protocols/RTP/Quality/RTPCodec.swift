/// The audio codec a payload type stands for, and its RTP clock.
///
/// Static payload types follow RFC 3551 §6 (Table 4). The dynamic types Lync / Skype for
/// Business clients offer are not fixed by any registry, so they are used only on request
/// (`--rtp-clock lync`): the encoding names and clock rates are [MS-SDPEXT] §3.1.5.3
/// ("Representing new Payload Types": x-msrta/16000 and /8000, RED/8000, SILK) and the payload
/// type numbers those clients put in their offers, as in the examples of [MS-RTPDT] §4 and
/// [MS-RTPRAD] §4 (114 x-msrta/16000, 111 SIREN/16000, 112 G7221/16000, 115 x-msrta/8000,
/// 97 RED/8000, 101 telephone-event/8000) and Lync's SILK/CN lines (103 SILK/8000,
/// 104 SILK/16000, 118 CN/16000). WebRTC uses some of the same numbers for other codecs
/// (111 is Opus there), which is why the table is not applied by default. An SDP `a=rtpmap`
/// names the codec of a dynamic type by its encoding name (`described`), Opus among them
/// (RFC 7587 §7: "opus/48000/2").
public enum RTPCodec: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case unknown, pcmu, pcma, g722, g723, g729, comfortNoise
    case rtAudioWideband, rtAudioNarrowband, siren, g7221, silkNarrowband, silkWideband
    case redundant, telephoneEvent, comfortNoiseWideband, opus

    /// Its name as in SDP `a=rtpmap` (nil when unknown).
    public var name: String? {
        switch self {
        case .unknown: nil
        case .pcmu: "PCMU"
        case .pcma: "PCMA"
        case .g722: "G722"
        case .g723: "G723"
        case .g729: "G729"
        case .comfortNoise, .comfortNoiseWideband: "CN"
        case .rtAudioWideband, .rtAudioNarrowband: "x-msrta"
        case .siren: "SIREN"
        case .g7221: "G7221"
        case .silkNarrowband, .silkWideband: "SILK"
        case .redundant: "RED"
        case .telephoneEvent: "telephone-event"
        case .opus: "opus"
        }
    }

    /// RTP clock rate in Hz (0 when unknown). G.722's is 8000 although it samples at 16 kHz (RFC 3551 §4.5.2).
    public var clockRate: UInt32 {
        switch self {
        case .unknown: 0
        case .pcmu, .pcma, .g722, .g723, .g729, .comfortNoise, .rtAudioNarrowband, .silkNarrowband, .redundant, .telephoneEvent: 8000
        case .rtAudioWideband, .siren, .g7221, .silkWideband, .comfortNoiseWideband: 16000
        case .opus: 48000
        }
    }

    /// The codec of a static payload type (RFC 3551 Table 4), `.unknown` for the others.
    public static func staticType(_ pt: UInt8) -> RTPCodec {
        switch pt {
        case 0: .pcmu
        case 4: .g723
        case 8: .pcma
        case 9: .g722
        case 13: .comfortNoise
        case 18: .g729
        default: .unknown
        }
    }

    /// The codec Lync / Skype for Business clients offer on a payload type (see above), or the
    /// static type's.
    public static func lync(_ pt: UInt8) -> RTPCodec {
        switch pt {
        case 97: .redundant
        case 101: .telephoneEvent
        case 103: .silkNarrowband
        case 104: .silkWideband
        case 111: .siren
        case 112: .g7221
        case 114: .rtAudioWideband
        case 115: .rtAudioNarrowband
        case 118: .comfortNoiseWideband
        default: staticType(pt)
        }
    }

    /// The codec an SDP `a=rtpmap` names by `encoding` (a media subtype, compared without
    /// case: RFC 6838 §4.2) and `clock`: the one above of that name and clock, else `.unknown`.
    static func described(_ encoding: UnsafeRawBufferPointer, clock: UInt32) -> RTPCodec {
        func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        for c in allCases where c.clockRate == clock {
            guard let name = c.name, name.utf8.count == encoding.count else { continue }
            if zip(name.utf8, encoding).allSatisfy({ lower($0) == lower($1) }) { return c }
        }
        return .unknown
    }
}
