extension FlowInspection {
    /// Walks the STUN/TURN PDUs of one direction's contiguous TCP bytes (MS-TURN, RFC 4571 or
    /// plain framing, learnt from the first PDU); returns the bytes used. `stop` is set when the
    /// bytes are not STUN framing, so reassembly stops.
    /// `log`: keep the transactions for `stun.log`.
    /// `message`: the storage each STUN message is decoded into.
    mutating func consumeSTUNStream(_ bytes: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64, clocks: borrowing RTPClocks,
                                    log: Bool, sdp: SDPClockLookup, message: UnsafeMutablePointer<STUNMessage>, stop: inout Bool) -> Int {
        guard case .media(let m) = state else { return 0 }
        var mode = fromOriginator ? m.origFraming : m.respFraming
        defer {
            if case .media(var m) = state {
                if fromOriginator { m.origFraming = mode } else { m.respFraming = mode }
                state = .media(m)
            }
        }
        var off = 0
        while off < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            let pdu = TCPFraming.next(rest, mode: mode)
            switch pdu.kind {
            case .needMore:
                return off
            case .unrecognised:
                stop = true
                return off
            default:
                break
            }
            if mode == .auto { mode = pdu.kind.impliedMode }
            let payload = UnsafeRawBufferPointer(rebasing: rest[pdu.payloadOffset..<(pdu.payloadOffset + pdu.payloadLength)])
            switch pdu.kind {
            case .stun, .msTURNControl, .rfc4571:
                if (try? STUNDecoder.decode(payload, flowFactsOnly: true, into: &message.pointee)) != nil {
                    stunMessage(message, in: payload, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, log: log,
                                sdp: sdp)
                } else if pdu.kind == .rfc4571 {
                    media(payload, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks, sdp: sdp)
                } else {
                    stun()?.value.malformed &+= 1
                }
            case .msTURNData, .channelData, .msMultiplexedTURN:
                var inner = payload
                var channel: UInt16? = nil
                if pdu.kind == .channelData, let cd = try? ChannelData.decode(payload, overTCP: true) {
                    inner = cd.data.slice(of: payload)   // without the TCP padding
                    channel = cd.channel
                }
                turnData(inner, bytes: inner.count, channel: channel, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks,
                         sdp: sdp)
            default:
                break
            }
            off += pdu.length
        }
        return off
    }
}
