/// Application-layer state of one inspected flow (STUN/TURN, RTP, TLS, SIP). Allocated once
/// per flow that carries one of them, never per packet; TCP byte streams are reassembled
/// within a fixed budget per direction.
final class FlowInspection {
    /// What a TCP flow's byte stream is followed as.
    enum StreamKind: UInt8 { case undecided, tls, stun, sip, dns, none }

    private var stunBox: Box<STUNFlowStats>? = nil
    private var rtpBox: Box<RTPFlowStats>? = nil

    /// STUN/TURN facts; their storage is allocated at the first write.
    var stun: STUNFlowStats {
        get { stunBox?.value ?? STUNFlowStats() }
        _modify {
            if stunBox == nil { stunBox = Box(STUNFlowStats()) }
            yield &stunBox!.value
        }
    }

    /// RTP/RTCP facts; their storage is allocated at the first write.
    var rtp: RTPFlowStats {
        get { rtpBox?.value ?? RTPFlowStats() }
        _modify {
            if rtpBox == nil { rtpBox = Box(RTPFlowStats()) }
            yield &rtpBox!.value
        }
    }
    var sip = SIPCounts()
    var tls: TLSSession? = nil
    var streamKind = StreamKind.undecided
    var origStream: StreamReassembler? = nil
    var respStream: StreamReassembler? = nil
    var origFraming = TCPFramingMode.auto
    var respFraming = TCPFramingMode.auto
    var reassemblyBudget: Int

    init(reassemblyBudget: Int) { self.reassemblyBudget = reassemblyBudget }

    /// Stream facts kept for the report once the flow ends.
    var streamGaps: Int {
        var n = 0
        for state in [origStream?.state, respStream?.state] where state == .gap || state == .budgetExceeded { n += 1 }
        return n
    }
}

/// Heap storage for a large fixed-size value, so flows that never need it pay one pointer.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Plaintext SIP seen in a flow: requests by method, responses by status, distinct Call-IDs.
struct SIPCounts: Sendable {
    static let callIDLimit = 16
    var requests = InlineArray<24, UInt32>(repeating: 0)
    var responses: [UInt16: Int] = [:]
    var callIDs: [String] = []
    var messages = 0

    mutating func record(_ head: SIPMessageHead, in bytes: UnsafeRawBufferPointer) {
        messages += 1
        if head.isRequest {
            let i = Int(head.method.rawValue)
            if i < 24 { requests[i] &+= 1 }
        } else {
            responses[head.statusCode, default: 0] += 1
        }
        if callIDs.count < Self.callIDLimit, let id = head.callID(in: bytes), !callIDs.contains(id) { callIDs.append(id) }
    }
}
