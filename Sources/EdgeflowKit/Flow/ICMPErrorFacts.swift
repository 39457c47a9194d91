/// What the ICMP errors that quoted one of a flow's packets said: how many, and the last one's
/// type, code and sender, and whether the packet it quoted was the originator's. Kept beside the
/// flow table for the few flows that have any (`FlowTracker.icmpErrors`), not in every record: a
/// flood's records are 24 bytes smaller for it.
public struct ICMPErrorFacts: Sendable, BitwiseCopyable, Equatable {
    public var count: UInt32 = 0
    public var type: UInt8 = 0
    public var code: UInt8 = 0
    public var quotedOriginator = false
    public var sender = IPAddress(hi: 0, lo: 0)

    /// Counts one more ICMP error (`proto` ICMP or ICMPv6, its `type` and `code`, sent by `from`)
    /// that quoted a packet of the flow, the originator's when `quotedOriginator`. The last
    /// rejection is kept over later errors of other kinds (time exceeded, too big).
    mutating func note(proto: UInt8, type: UInt8, code: UInt8, from: IPAddress, quotedOriginator: Bool) {
        count &+= 1
        if count > 1, ICMPError.isRejection(proto: proto, type: self.type, code: self.code),
           !ICMPError.isRejection(proto: proto, type: type, code: code) { return }
        self.type = type
        self.code = code
        self.quotedOriginator = quotedOriginator
        sender = from
    }
}
