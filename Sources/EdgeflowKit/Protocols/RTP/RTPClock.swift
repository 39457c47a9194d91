/// RTP clock rates of the static payload types (RFC 3551 §6 Tables 4 and 5).
public enum RTPClock {
    /// Clock rate in Hz for a static payload type, nil for dynamic (96-127), unassigned or
    /// reserved types, whose rate comes from SDP `a=rtpmap` (the caller supplies it).
    /// G.722 (9) is 8000 although it samples at 16 kHz (RFC 3551 §4.5.2).
    public static func rate(payloadType pt: UInt8) -> UInt32? {
        switch pt {
        case 0, 3, 4, 5, 7, 8, 9, 12, 13, 15, 18: return 8000
        case 6: return 16000
        case 10, 11: return 44100
        case 14, 25, 26, 28, 31, 32, 33, 34: return 90000
        case 16: return 11025
        case 17: return 22050
        default: return nil
        }
    }

    /// Comfort noise (RFC 3389 PT 13, and the old 19), skipped by Wireshark's jitter maxima.
    public static func isComfortNoise(payloadType pt: UInt8) -> Bool { pt == 13 || pt == 19 }
}
