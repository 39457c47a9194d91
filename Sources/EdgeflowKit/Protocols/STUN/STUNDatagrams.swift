extension FlowInspection {
    /// A decoded STUN/TURN message (from a datagram or a TCP frame) and the media a Send or
    /// Data indication carries.
    @inline(__always)
    mutating func stunMessage(_ m: STUNMessage, in p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                              clocks: RTPClocks, log: Bool) {
        guard let stats = stun() else { return }
        stats.value.record(m, timestamp: timestamp, fromOriginator: fromOriginator)
        if log { stunLog()?.value.record(m, in: p, timestamp: timestamp, fromOriginator: fromOriginator) }
        if m.method == .binding, m.messageClass == .request, let u = m.attributes.username { stats.value.ice.note(username: u.slice(of: p)) }
        if let data = m.attributes.data { media(data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks) }
    }

    /// TURN-relayed data (ChannelData, MS-TURN data frames, MS-TURN multiplexed packets): counted
    /// on the channel, and the RTP/RTCP inside followed.
    @inline(__always)
    mutating func turnData(_ inner: UnsafeRawBufferPointer, bytes: Int, channel: UInt16? = nil, fromOriginator: Bool,
                           timestamp: Int64, clocks: RTPClocks) {
        guard let stats = stun() else { return }
        stats.value.recordChannelData(bytes: bytes, channel: channel)
        media(inner, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks)
    }
}
