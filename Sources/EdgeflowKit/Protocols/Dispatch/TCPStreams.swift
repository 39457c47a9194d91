/// The two reassembled byte streams of one inspected TCP flow, kept in the `InspectionSlab`
/// beside (not inside) the flow's `FlowInspection`: a stream is changed while the protocol
/// reading it changes the flow's protocol state, and the two never share memory.
struct TCPStreams: ~Copyable {
    var orig: StreamReassembler? = nil
    var resp: StreamReassembler? = nil

    /// Bytes the two reassembly buffers hold.
    var allocatedBytes: Int {
        var n = 0
        switch orig {
        case .some(let s): n &+= s.allocatedBytes
        case .none: break
        }
        switch resp {
        case .some(let s): n &+= s.allocatedBytes
        case .none: break
        }
        return n
    }
}
