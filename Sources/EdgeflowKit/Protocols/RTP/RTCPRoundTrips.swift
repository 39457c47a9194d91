/// Round trips measured from one flow's RTCP report blocks (RFC 3550 §6.4.1), in bounded memory:
/// the last sender report each direction sent, and per reported stream its round trips.
///
/// A report block whose LSR is the middle 32 bits of the NTP timestamp of the last SR the other
/// direction sent (and names that SR's sender) gives `arrival(report) − arrival(SR) − DLSR`:
/// RFC 3550's A − LSR − DLSR with the SR's capture time standing for LSR, as Wireshark's RTCP
/// dissector computes `rtcp.roundtrip-delay`. Only the capture's clock is used, so the senders'
/// clocks need not agree with it; the result is the round trip from the capture point to the
/// reporter and back (the whole round trip when the capture is taken at the SR's sender).
/// LSR 0 (no SR received yet) gives nothing, nor a negative difference. SRTCP (RFC 3711 §3.4)
/// encrypts the sender info and report blocks, so its compounds are only counted.
struct RTCPRoundTrips: Sendable {
    /// Reported streams tracked per flow; blocks about others are not kept.
    static let streamSlots = 4

    /// Per direction (0: from the originator): the last SR's NTP middle 32 bits, its sender and
    /// capture time (0: none yet).
    var lastSR = InlineArray<2, UInt32>(repeating: 0)
    var lastSRSender = InlineArray<2, UInt32>(repeating: 0)
    var lastSRArrival = InlineArray<2, Int64>(repeating: 0)

    /// The reported stream's SSRC and the direction it was sent in.
    var ssrc = InlineArray<4, UInt32>(repeating: 0)
    var streamFromOriginator = InlineArray<4, Bool>(repeating: false)
    /// Each reported stream's round trips, allocated at the flow's first round trip.
    var samples: [RTCPRoundTripSamples] = []
    var streams: Int { samples.count }
    /// Compound packets whose body is encrypted (SRTCP): their report blocks cannot be read.
    var encrypted = 0

    /// Accounts one compound RTCP packet `p` (parsed as `c`) sent in direction `dir`, captured at
    /// `arrival` ns.
    mutating func record(_ c: RTCPCompound, _ p: UnsafeRawBufferPointer, fromOriginator dir: Bool, arrival: Int64) {
        guard c.length == p.count else { encrypted &+= 1; return }
        let other = dir ? 1 : 0, own = dir ? 0 : 1
        if lastSRArrival[other] != 0 {
            let (sr, sender, at) = (lastSR[other], lastSRSender[other], lastSRArrival[other])
            RTCPCompound.forEachReportBlock(p) { b in
                guard b.lastSR != 0, b.lastSR == sr, b.ssrc == sender else { return }
                // DLSR in 1/65536 s to ns: DLSR · 10^9 / 2^16 (exact in Int64 for 32-bit DLSR).
                let rtt = arrival &- at &- Int64(b.delaySinceLastSR) &* 1_000_000_000 / 65536
                if rtt >= 0 { add(Double(rtt) / 1e6, ssrc: b.ssrc, fromOriginator: !dir) }
            }
        }
        if let info = c.senderInfo {
            lastSR[own] = UInt32(truncatingIfNeeded: info.ntpTimestamp >> 16)
            lastSRSender[own] = info.ssrc
            lastSRArrival[own] = arrival
        }
    }

    private mutating func add(_ ms: Double, ssrc s: UInt32, fromOriginator d: Bool) {
        var i = 0
        while i < streams && !(ssrc[i] == s && streamFromOriginator[i] == d) { i &+= 1 }
        if i == streams {
            guard streams < Self.streamSlots else { return }
            if samples.capacity < Self.streamSlots { samples.reserveCapacity(Self.streamSlots) }
            samples.append(RTCPRoundTripSamples())
            ssrc[i] = s
            streamFromOriginator[i] = d
        }
        samples[i].add(ms)
    }

    /// The round trips measured for the stream `s` sent in direction `d`, nil when none.
    func of(ssrc s: UInt32, fromOriginator d: Bool) -> RTCPRoundTripSamples? {
        for i in 0..<streams where ssrc[i] == s && streamFromOriginator[i] == d { return samples[i] }
        return nil
    }
}

/// One stream's RTCP round trips in milliseconds: the latest, the largest, and the last
/// `kept` for a median (reports come every few seconds, so that is the last minutes of a call).
struct RTCPRoundTripSamples: Sendable, BitwiseCopyable {
    static let kept = 32
    var recent = InlineArray<32, Float>(repeating: 0)
    /// Round trips measured (all of them, not only those kept).
    var count = 0
    var latest = 0.0
    var max = 0.0

    mutating func add(_ ms: Double) {
        recent[count % Self.kept] = Float(ms)
        count &+= 1
        latest = ms
        if ms > max { max = ms }
    }

    /// Median of the kept round trips (the mean of the middle two when their number is even).
    var median: Double {
        var v: [Float] = []
        for i in 0..<Swift.min(count, Self.kept) { v.append(recent[i]) }
        v.sort()
        guard !v.isEmpty else { return 0 }
        let m = v.count / 2
        return v.count % 2 == 1 ? Double(v[m]) : (Double(v[m - 1]) + Double(v[m])) / 2
    }
}
