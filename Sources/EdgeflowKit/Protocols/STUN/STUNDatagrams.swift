extension FlowInspection {
    /// A decoded STUN/TURN message (from a datagram or a TCP frame), read where it was decoded
    /// (`STUNMessageSlot`: not copied), and the media a Send or Data indication carries.
    @inline(__always)
    mutating func stunMessage(_ m: UnsafePointer<STUNMessage>, in p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64,
                              clocks: borrowing RTPClocks, log: Bool, sdp: SDPClockLookup) {
        guard let stats = stun() else { return }
        stats.value.record(m, timestamp: timestamp, fromOriginator: fromOriginator)
        if log { stunLog()?.value.record(m.pointee, in: p, timestamp: timestamp, fromOriginator: fromOriginator) }
        if m.pointee.method == .binding, m.pointee.messageClass == .request, let u = m.pointee.attributes.username {
            stats.value.ice.note(username: u.slice(of: p))
        }
        if let data = m.pointee.attributes.data {
            indicationMedia(data.slice(of: p), fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks,
                            peer: m.pointee.attributes.dataPeer, sdp: sdp)
        }
    }

    /// The media a Send or Data indication carries: `media`, kept out of line so that
    /// `stunMessage` stays small enough to be inlined into the dispatcher's datagram path.
    @inline(never)
    mutating func indicationMedia(_ p: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64, clocks: borrowing RTPClocks,
                                  peer: STUNAddress?, sdp: SDPClockLookup) {
        media(p, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, peer: peer, sdp: sdp)
    }

    /// TURN-relayed data (ChannelData, MS-TURN data frames, MS-TURN multiplexed packets): counted
    /// on the channel, and the RTP/RTCP inside followed.
    @inline(__always)
    mutating func turnData(_ inner: UnsafeRawBufferPointer, bytes: Int, channel: UInt16? = nil, fromOriginator: Bool,
                           timestamp: Int64, clocks: borrowing RTPClocks, sdp: SDPClockLookup) {
        guard let stats = stun() else { return }
        stats.value.recordChannelData(bytes: bytes, channel: channel)
        media(inner, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, channel: channel, sdp: sdp)
    }
}
