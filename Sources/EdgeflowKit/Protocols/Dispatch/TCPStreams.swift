/// The two reassembled byte streams of one inspected TCP flow, kept in the `InspectionSlab`
/// beside (not inside) the flow's `FlowInspection`: a stream is changed while the protocol
/// reading it changes the flow's protocol state, and the two never share memory. A direction's
/// stream is made (`made`) at its first segment; until then it is an idle placeholder that
/// holds no buffer. Not optionals: unwrapping an optional stream copied the whole
/// reassembler out and back at every segment.
struct TCPStreams: ~Copyable {
    var orig = StreamReassembler()
    var resp = StreamReassembler()
    /// Which streams were made: bit 0 the originator's, bit 1 the responder's.
    var made: UInt8 = 0

    /// Bytes the two reassembly buffers hold.
    var allocatedBytes: Int { orig.allocatedBytes &+ resp.allocatedBytes }
}
