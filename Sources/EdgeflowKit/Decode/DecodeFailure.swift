/// Why and where a decoder stopped: its protocol's reason and the byte offset where it was
/// found, thrown as a typed error (`throws(RTPFailure)`, ...). One shape for every decoder;
/// STUN's, which also names the attribute at fault, is `STUNFailure`.
public struct DecodeFailure<Reason: Sendable & BitwiseCopyable & Equatable>: Error, Sendable, BitwiseCopyable, Equatable {
    public var reason: Reason
    public var offset: UInt32

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = UInt32(truncatingIfNeeded: offset)
    }
}
