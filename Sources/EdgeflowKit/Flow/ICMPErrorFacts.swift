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
}
