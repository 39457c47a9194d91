extension FlowInspection {
    /// A decoded STUN/TURN message (from a datagram or a TCP frame) and the media a Send or
    /// Data indication carries.
    @inline(__always)
    /// The data's peer is the indication's XOR-PEER-ADDRESS (RFC 8656 §11), or MS-TURN's
    /// DESTINATION-ADDRESS (Send) or REMOTE-ADDRESS (Data indication), [MS-TURN] §2.2.2.
    mutating func stunMessage(_ m: STUNMessage, in p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                              clocks: RTPClocks, log: Bool, sdp: SDPClockLookup) {
        guard let stats = stun() else { return }
        stats.value.record(m, timestamp: timestamp, fromOriginator: fromOriginator)
        if log { stunLog()?.value.record(m, in: p, timestamp: timestamp, fromOriginator: fromOriginator) }
        if m.method == .binding, m.messageClass == .request, let u = m.attributes.username { stats.value.ice.note(username: u.slice(of: p)) }
        if let data = m.attributes.data {
            let a = m.attributes
            media(data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks,
                  peer: a.xorPeerAddress ?? a.destinationAddress ?? a.remoteAddress, sdp: sdp)
        }
    }

    /// TURN-relayed data (ChannelData, MS-TURN data frames, MS-TURN multiplexed packets): counted
    /// on the channel, and the RTP/RTCP inside followed.
    @inline(__always)
    mutating func turnData(_ inner: UnsafeRawBufferPointer, bytes: Int, channel: UInt16? = nil, fromOriginator: Bool,
                           timestamp: Int64, clocks: RTPClocks, sdp: SDPClockLookup) {
        guard let stats = stun() else { return }
        stats.value.recordChannelData(bytes: bytes, channel: channel)
        media(inner, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, channel: channel, sdp: sdp)
    }
}
