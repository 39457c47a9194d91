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
    static func check(_ st: STUNFlowStats, _ ends: FlowEnds, transport: UInt8, _ emit: (STUNFinding) -> Void) {
        let o365 = ends.withOffice365
        if o365, st.unanswered > 0, st.matched == 0, transport == IPProtocol.udp { emit(.unanswered) }
        // Only TURN requests refused make a TURN failure (ICE Binding errors such as 487 do not).
        let turnErrors = st.count(.allocate, .errorResponse) + st.count(.refresh, .errorResponse)
            + st.count(.createPermission, .errorResponse) + st.count(.channelBind, .errorResponse)
        for i in 0..<STUNFlowStats.errorSlots where turnErrors > 0 && st.errorCount[i] > 0 && st.errorCode[i] >= 400 && st.errorCode[i] != 401 {
            emit(.turnRefused(errorCode: st.errorCode[i]))
        }
        if st.allocateChallenges >= 3, st.allocateSuccesses == 0 { emit(.turnAuthLoop) }
        if let mapped = st.mapped, ends.origRole == .avEdge, o365, mapped.ip != ends.orig.address { emit(.natMismatch(mapped: mapped)) }
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
