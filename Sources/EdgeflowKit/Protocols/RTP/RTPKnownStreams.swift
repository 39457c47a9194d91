/// Where a media flow's known streams lie in its RTP state, per direction (originator,
/// responder): each one's byte offset in the state (`RTPFlowStats.streamOffset`; 0: none), set
/// once a stream is confirmed on the one-thread datagram path (`RTPFlowStats.recordNaming`).
/// Kept in the flow's inspection beside the state's pointer (`FlowInspection.knownStreams`), so
/// that a packet of a known stream reads no line of the state but its stream's. A known stream
/// keeps its slot for the flow's life, so its offset never goes stale; the flow's state is made
/// before (an offset not 0 says the state is there).
struct RTPKnownStreams {
    private var offsets = InlineArray<2, UInt16>(repeating: 0)

    /// The offset of the known stream sent by the originator (`dir`) or the responder (0: none).
    @inline(__always) subscript(fromOriginator dir: Bool) -> Int {
        get { Int(offsets[unchecked: dir ? 0 : 1]) }
        set { offsets[unchecked: dir ? 0 : 1] = UInt16(truncatingIfNeeded: newValue) }
    }
}
