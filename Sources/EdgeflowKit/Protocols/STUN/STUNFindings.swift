/// What a flow's STUN/TURN showed wrong: requests to Office 365 never answered, TURN refused
/// or challenged without end, and a NAT that changes the A/V Edge's address.
enum STUNFinding: FlowFindingFact, Equatable {
    /// STUN/TURN requests over UDP to Office 365, none answered.
    case unanswered
    /// TURN requests refused with this error code (other than 401).
    case turnRefused(errorCode: UInt16)
    /// TURN Allocate challenged (401) three times or more and never accepted.
    case turnAuthLoop
    /// Office 365 saw the A/V Edge (the originator) as `mapped` (XOR-MAPPED-ADDRESS).
    case natMismatch(mapped: STUNAddress)

    var code: FindingCode {
        switch self {
        case .unanswered: .stunUnanswered
        case .turnRefused: .turnAllocateFailed
        case .turnAuthLoop: .turnAuthLoop
        case .natMismatch: .natMismatch
        }
    }

    /// The findings of the flow's STUN/TURN counters `st`, in report order.
    /// `p`: the flow's counters where they lie (1.8 KB: a value passed would be copied first).
    static func check(_ p: UnsafePointer<STUNFlowStats>, _ ends: FlowEnds, transport: UInt8, _ emit: (STUNFinding) -> Void) {
        let o365 = ends.withOffice365
        if o365, p.pointee.matched == 0, transport == IPProtocol.udp, p.pointee.unanswered > 0 { emit(.unanswered) }
        // Only TURN requests refused make a TURN failure (ICE Binding errors such as 487 do not).
        let turnErrors = p.pointee.count(.allocate, .errorResponse) + p.pointee.count(.refresh, .errorResponse)
            + p.pointee.count(.createPermission, .errorResponse) + p.pointee.count(.channelBind, .errorResponse)
        if turnErrors > 0 {
            let errorCount = p.pointee.errorCount.span, errorCode = p.pointee.errorCode.span
            for i in 0..<STUNFlowStats.errorSlots where errorCount[i] > 0 && errorCode[i] >= 400 && errorCode[i] != 401 {
                emit(.turnRefused(errorCode: errorCode[i]))
            }
        }
        if p.pointee.allocateChallenges >= 3, p.pointee.allocateSuccesses == 0 { emit(.turnAuthLoop) }
        if let mapped = p.pointee.mapped, ends.origRole == .avEdge, o365, mapped.ip != ends.orig.address { emit(.natMismatch(mapped: mapped)) }
    }
}

// MARK: - Words

extension STUNFinding {
    func message(_ e: FlowEnds) -> String {
        switch self {
        case .unanswered:
            "STUN/TURN requests to Office 365 were never answered (UDP 3478 blocked or the relay unreachable):"
        case .turnRefused(let code):
            "TURN requests refused with \(code) \(Self.errorName(code)):"
        case .turnAuthLoop:
            "TURN Allocate answered 401 again and again, never accepted (wrong credentials or clock skew):"
        case .natMismatch(let mapped):
            "Office 365 sees the A/V Edge \(e.orig.address.text) as \(mapped.ip.text) (XOR-MAPPED-ADDRESS): its NAT changes the address; "
                + "the A/V Edge needs symmetric NAT that keeps the public IP configured in the topology:"
        }
    }

    func subject(_ e: FlowEnds) -> String? {
        switch self {
        case .unanswered: e.endpoints
        case .turnRefused, .turnAuthLoop: e.server
        case .natMismatch(let mapped): "\(e.orig.address.text) → \(mapped.text)"
        }
    }

    /// The RFC 5389/5766/8656 reason phrase of a STUN error code.
    static func errorName(_ code: UInt16) -> String {
        switch code {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 420: "Unknown Attribute"
        case 437: "Allocation Mismatch"
        case 438: "Stale Nonce"
        case 440: "Address Family not Supported"
        case 441: "Wrong Credentials"
        case 442: "Unsupported Transport Protocol"
        case 443: "Peer Address Family Mismatch"
        case 486: "Allocation Quota Reached"
        case 487: "Role Conflict"
        case 500: "Server Error"
        case 508: "Insufficient Capacity"
        default: "error"
        }
    }
}
