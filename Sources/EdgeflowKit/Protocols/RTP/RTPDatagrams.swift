/// The clock and codec that the run's SDP gave payload type `pt` at a media endpoint (`SDPBook.clock`).
typealias SDPClockLookup = (_ pt: UInt8, _ end: SDPBook.Endpoint) -> (rate: UInt32, codec: RTPCodec)?

extension FlowInspection {
    /// RTP or RTCP carried inside TURN (ChannelData, Send/Data indications, MS-TURN data
    /// frames) or RFC 4571 framing: followed like a datagram of its own.
    /// A new stream of a dynamic type takes the clock of the SDP that named its receiver's real
    /// end, else its sender's (`STUNFlowStats.relayedEnds`): the peer (`peer`, or the one
    /// `channel` is bound to) and the client's relayed address.
    @inline(__always)
    mutating func media(_ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64, clocks: borrowing RTPClocks,
                        channel: UInt16? = nil, peer: STUNAddress? = nil, sdp: SDPClockLookup) {
        // RTP, nearly every packet relayed, is told by its first two bytes (`isRTP`), without `classify`'s call.
        if UDPDemux.isRTP(p) {
            if let h = RTPHeader.plain(p) ?? (try? RTPHeader.parse(p)), let rtp = rtp() {
                if Self.tracked(h, rtp, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks) { return }
                rtp.value.record(h, fromOriginator: fromOriginator, arrival: timestamp, clock: clocks.lookup(h.payloadType),
                                 source: clocks.source(h.payloadType), sliceWidth: clocks.sliceWidth, described: { pt in
                    guard case .media(let m) = state, let t = m.stun?.value else { return nil }
                    let ends = t.relayedEnds(peer: peer ?? channel.flatMap { t.peer(channel: $0) }, fromOriginator: fromOriginator)
                    return ends.receiver.flatMap { sdp(pt, SDPBook.Endpoint(ip: $0.ip, port: $0.port)) }
                        ?? ends.sender.flatMap { sdp(pt, SDPBook.Endpoint(ip: $0.ip, port: $0.port)) }
                })
            }
        } else if UDPDemux.classify(p) == .rtcp, let c = try? RTCPCompound.parse(p) {
            rtp()?.value.record(c, p, fromOriginator: fromOriginator, arrival: timestamp)
        }
    }

    /// RTP packet `h` in the flow's RTP state `rtp` when its stream is tracked already (every
    /// packet of a stream but its first), as the datagram path's fast path takes it: its
    /// direction's last slot looked at first. False, having changed nothing, for a new stream.
    /// Transparent: `@inline(__always)` left it a call from the TCP stream's frame loop.
    @_transparent
    static func tracked(_ h: RTPHeader, _ rtp: HeapValue<RTPFlowStats>, fromOriginator: Bool, timestamp: Int64,
                        clocks: borrowing RTPClocks) -> Bool {
        rtp.value.recordTracked(ssrc: h.ssrc, fromOriginator: fromOriginator, sequence: h.sequence, timestamp: h.timestamp,
                                payloadType: h.payloadType, marker: h.marker, arrival: timestamp, clocks: clocks) != nil
    }
}
