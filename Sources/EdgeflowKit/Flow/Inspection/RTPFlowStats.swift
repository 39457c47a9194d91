/// RTP streams (SSRC and direction) and RTCP packets seen in one flow, fixed-size.
struct RTPFlowStats: Sendable, BitwiseCopyable {
    /// Streams tracked per flow; more are counted in `untracked`.
    static let streamSlots = 6

    var ssrc = InlineArray<6, UInt32>(repeating: 0)
    var fromOriginator = InlineArray<6, Bool>(repeating: false)
    var payloadType = InlineArray<6, UInt8>(repeating: 0)
    var stats = InlineArray<6, RTPStreamStats>(repeating: RTPStreamStats())
    var streams = 0
    var untracked = 0
    var senderReports = 0
    var receiverReports = 0
    var otherRTCP = 0

    /// Accounts one RTP packet.
    mutating func record(_ h: RTPHeader, fromOriginator dir: Bool, arrival: Int64) {
        var i = 0
        while i < streams && !(ssrc[i] == h.ssrc && fromOriginator[i] == dir) { i &+= 1 }
        if i == streams {
            guard streams < Self.streamSlots else { untracked &+= 1; return }
            ssrc[i] = h.ssrc
            fromOriginator[i] = dir
            payloadType[i] = h.payloadType
            streams &+= 1
        }
        stats[i].record(sequence: h.sequence, timestamp: h.timestamp, arrivalNanoseconds: arrival,
                        payloadType: h.payloadType, marker: h.marker, clockRate: RTPClock.rate(payloadType: h.payloadType))
    }

    /// Accounts one compound RTCP packet.
    mutating func record(_ c: RTCPCompound) {
        senderReports &+= Int(c.senderReports)
        receiverReports &+= Int(c.receiverReports)
        otherRTCP &+= Int(c.sourceDescriptions) + Int(c.byes) + Int(c.apps) + Int(c.feedback) + Int(c.extendedReports) + Int(c.other)
    }
}
