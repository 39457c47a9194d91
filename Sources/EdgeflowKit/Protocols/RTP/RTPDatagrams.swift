extension FlowInspection {
    /// RTP or RTCP carried inside TURN (ChannelData, Send/Data indications, MS-TURN data
    /// frames) or RFC 4571 framing: followed like a datagram of its own.
    @inline(__always)
    mutating func media(_ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64, clocks: RTPClocks) {
        switch UDPDemux.classify(p) {
        case .rtp:
            if let h = try? RTPHeader.parse(p) {
                rtp()?.value.record(h, fromOriginator: fromOriginator, arrival: timestamp, clock: clocks.lookup(h.payloadType),
                                  source: clocks.source(h.payloadType), sliceWidth: clocks.sliceWidth)
            }
        case .rtcp:
            if let c = try? RTCPCompound.parse(p) { rtp()?.value.record(c, p, fromOriginator: fromOriginator, arrival: timestamp) }
        default:
            break
        }
    }
}
