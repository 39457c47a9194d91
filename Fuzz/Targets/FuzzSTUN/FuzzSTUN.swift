import EdgeflowKit

/// STUN/TURN/MS-TURN messages, ChannelData, MS-TURN TCP framing, RTP and RTCP.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSTUN(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let p = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? STUNDecoder.decode(p, allowLegacy: true)
    _ = try? STUNDecoder.decode(p)
    _ = try? ChannelData.decode(p)
    _ = try? ChannelData.decode(p, overTCP: true)
    _ = try? MultiplexedTURN.decode(p, exact: false)
    _ = UDPDemux.classify(p)
    var off = 0
    var mode = TCPFramingMode.auto
    while off < size {
        let pdu = TCPFraming.next(UnsafeRawBufferPointer(rebasing: p[off...]), mode: mode)
        if pdu.kind == .needMore || pdu.kind == .unrecognised || pdu.length <= 0 { break }
        if mode == .auto { mode = pdu.kind.impliedMode }
        off += pdu.length
    }
    do throws(RTPFailure) {
        let h = try RTPHeader.parse(p)
        var stats = RTPStreamStats()
        stats.record(sequence: h.sequence, timestamp: h.timestamp, arrivalNanoseconds: 0,
                     payloadType: h.payloadType, marker: h.marker, clockRate: RTPClock.rate(payloadType: h.payloadType))
    } catch {
        precondition(Int(error.offset) <= p.count)
    }
    do throws(RTPFailure) {
        let c = try RTCPCompound.parse(p)
        precondition(c.length <= p.count)
    } catch {
        precondition(Int(error.offset) <= p.count)
    }
    return 0
}
