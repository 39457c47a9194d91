extension FlowInspection {
    /// Walks the STUN/TURN PDUs of one direction's contiguous TCP bytes (MS-TURN, RFC 4571 or
    /// plain framing, learnt from the first PDU); returns the bytes used. `stop` is set when the
    /// bytes are not STUN framing, so reassembly stops.
    /// `log`: keep the transactions for `stun.log`.
    /// `message`: the storage each STUN message is decoded into.
    /// In a direction framed by MS-TURN, the caller has read the frames `trackedFrames` takes at
    /// the start of `bytes` (`Dispatcher.read`), so the first PDU is not offered to it again.
    mutating func consumeSTUNStream(_ bytes: UnsafeRawBufferPointer, fromOriginator: Bool, timestamp: Int64, clocks: borrowing RTPClocks,
                                    log: Bool, sdp: SDPClockLookup, message: UnsafeMutablePointer<STUNMessage>, stop: inout Bool) -> Int {
        guard case .media(let m) = state else { return 0 }
        let learnt = fromOriginator ? m.origFraming : m.respFraming
        var mode = learnt
        // Stored back only when this call learnt it (the state is not rebuilt at every segment).
        defer {
            if mode != learnt, case .media(var m) = state {
                if fromOriginator { m.origFraming = mode } else { m.respFraming = mode }
                state = .media(m)
            }
        }
        var off = 0
        while off < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            // The commonest PDU, an MS-TURN data frame (type 3, reserved 0) all there, read here:
            // the media inside, as the general walk below takes it (`TCPFraming.next`, `.msTURNData`);
            // a run of frames of tracked RTP streams by `trackedFrames`, any other by `turnData`.
            if mode == .msTURN, rest.count >= 4, rest.u8(0) == 3, rest.u8(1) == 0, 4 &+ Int(rest.be16(2)) <= rest.count {
                // At `off` 0 the direction's framing was learnt before this call, and the caller tried.
                if off > 0 {
                    let tracked = Self.trackedFrames(rest, m, rtpState, fromOriginator: fromOriginator, timestamp: timestamp,
                                                     clocks: clocks)
                    if tracked > 0 {
                        off &+= tracked
                        continue
                    }
                }
                let length = Int(rest.be16(2))
                turnData(UnsafeRawBufferPointer(rebasing: rest[4..<(4 &+ length)]), bytes: length, channel: nil, fromOriginator: fromOriginator,
                         timestamp: timestamp, clocks: clocks, sdp: sdp)
                off &+= 4 &+ length
                continue
            }
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

    /// The MS-TURN data frames at the front of `bytes` that carry RTP of a stream the flow tracks
    /// already (nearly every frame of a direction framed by MS-TURN): counted and recorded on the
    /// flow's STUN state in `m` and its RTP state `rtp` (a state once made stays where it is), as `turnData`
    /// takes them; returns the bytes they take (0 when the first is any other PDU, or a frame the
    /// bytes cut). Out of line and small: the dispatcher reads a segment of such frames here
    /// (`Dispatcher.read`) without `consumeSTUNStream`'s frame, which only what is left needs.
    @inline(never)
    static func trackedFrames(_ bytes: UnsafeRawBufferPointer, _ m: MediaState, _ rtp: HeapValue<RTPFlowStats>?, fromOriginator: Bool,
                              timestamp: Int64, clocks: borrowing RTPClocks) -> Int {
        guard let stats = m.stun, let rtp else { return 0 }
        var off = 0
        while bytes.count &- off >= 4 {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            let length = Int(rest.be16(2))
            guard rest.u8(0) == 3, rest.u8(1) == 0, 4 &+ length <= rest.count else { break }
            let inner = UnsafeRawBufferPointer(rebasing: rest[4..<(4 &+ length)])
            guard UDPDemux.isRTP(inner), let h = RTPHeader.plain(inner),
                  tracked(h, rtp, fromOriginator: fromOriginator, timestamp: timestamp, clocks: clocks) else { break }
            stats.value.recordChannelData(bytes: length)
            off &+= 4 &+ length
        }
        return off
    }
}
