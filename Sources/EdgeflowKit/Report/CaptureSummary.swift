/// What was read, for the report's `capture` object.
public struct CaptureSummary: Sendable {
    /// One input file.
    public struct File: Sendable {
        public var path: String
        public var format: String
        public var packets = 0
        public var bytes = 0
        public var firstTimestamp: Int64? = nil
        public var lastTimestamp: Int64? = nil
        public var linkTypes: [String] = []
    }

    public var files: [File] = []
    public var packets = 0
    /// Captured bytes.
    public var bytes = 0
    /// Bytes on the wire (original lengths).
    public var wireBytes = 0
    public var firstTimestamp: Int64? = nil
    public var lastTimestamp: Int64? = nil
    /// Packets per link type, by name, in order of first appearance.
    public var linkTypes: [(name: String, packets: Int)] = []
    /// Records whose captured length is below the original (snaplen cuts).
    public var truncatedPackets = 0
    public var decodeErrors = DecodeErrorCounts()
    public var nonIPPackets = 0
    /// IP fragments after the first: not attributed to a flow (first fragments are).
    public var fragmentTails = 0
    public var ipPackets = 0
    /// Packets that came out of a tunnel, by the outermost one (index: `Tunnel.rawValue`; `.none` unused).
    public var encapsulated = [Int](repeating: 0, count: Tunnel.allCases.count)
    public var flows = 0
    public var flowsByProto: [(name: String, flows: Int)] = []
    public var flowsEvicted = 0
    public var flowsExpired = 0
    /// Most flows live at once (bounded by `--max-flows`).
    public var peakLiveFlows = 0
    /// Flows whose application protocols were not followed because `--max-inspected-flows` was reached.
    public var flowsNotInspected = 0
    /// Reassembly memory: the shared limit, the most TCP streams held at once, streams stopped
    /// at the limit, DTLS handshake messages not buffered at it.
    public struct Reassembly: Sendable {
        public var memoryLimit = 0
        public var peakBytes = 0
        public var streamsOutOfMemory = 0
        public var dtlsMessagesOutOfMemory = 0
    }
    public var reassembly = Reassembly()
    /// SDP media endpoints dropped from the run's SDP book, oldest first, to stay within its
    /// `SDPBook.capacity` (streams towards them take no clock from their SDP).
    public var sdpEndpointsEvicted = 0
    /// Live capture only (pcap_stats): packets the kernel dropped for lack of buffer space,
    /// and packets the interface or driver dropped.
    public var kernelDrops: Int? = nil
    public var interfaceDrops: Int? = nil
    /// A live capture on several sockets (`live --threads`): per socket, the packets its thread
    /// counted and the kernel's drops on it (`kernelDrops` is their sum).
    public struct Socket: Sendable {
        public var packets: Int
        public var kernelDrops: Int
    }
    public var sockets: [Socket]? = nil
    public var warnings: [CaptureIssue] = []

    public init() {}

    func write(to w: inout JSONWriter) {
        w.beginArray("files")
        for f in files {
            w.beginObject()
            w.value("path", f.path)
            w.value("format", f.format)
            w.value("packets", f.packets)
            w.value("bytes", f.bytes)
            w.value("first_ts", f.firstTimestamp.map(TimeFormat.iso8601))
            w.value("last_ts", f.lastTimestamp.map(TimeFormat.iso8601))
            w.beginArray("link_types")
            for l in f.linkTypes { w.value(nil, l) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.value("packets", packets)
        w.value("bytes", bytes)
        w.value("wire_bytes", wireBytes)
        w.value("first_ts", firstTimestamp.map(TimeFormat.iso8601))
        w.value("last_ts", lastTimestamp.map(TimeFormat.iso8601))
        w.beginObject("link_types")
        for l in linkTypes { w.value(JSONKey(l.name), l.packets) }
        w.endObject()
        w.value("truncated_packets", truncatedPackets)
        w.beginObject("decode_errors")
        for (name, n) in decodeErrors.nonZero { w.value(JSONKey(name), n) }
        w.endObject()
        w.value("ip_packets", ipPackets)
        w.value("non_ip_packets", nonIPPackets)
        w.value("ip_fragment_tails", fragmentTails)
        w.beginObject("encapsulated")
        for t in Tunnel.allCases where t != .none { w.value(JSONKey(t.name), encapsulated[Int(t.rawValue)]) }
        w.endObject()
        w.value("flows", flows)
        w.beginObject("flows_by_proto")
        for p in flowsByProto { w.value(JSONKey(p.name), p.flows) }
        w.endObject()
        w.value("flows_evicted", flowsEvicted)
        w.value("flows_expired", flowsExpired)
        w.value("peak_live_flows", peakLiveFlows)
        w.value("flows_not_inspected", flowsNotInspected)
        if let kernelDrops { w.value("kernel_drops", kernelDrops) }
        if let interfaceDrops { w.value("interface_drops", interfaceDrops) }
        if let sockets {
            w.beginArray("sockets")
            for s in sockets {
                w.beginObject()
                w.value("packets", s.packets)
                w.value("kernel_drops", s.kernelDrops)
                w.endObject()
            }
            w.endArray()
        }
        w.beginObject("reassembly")
        w.value("memory_limit", reassembly.memoryLimit)
        w.value("peak_bytes", reassembly.peakBytes)
        w.value("streams_out_of_memory", reassembly.streamsOutOfMemory)
        if reassembly.dtlsMessagesOutOfMemory > 0 { w.value("dtls_messages_out_of_memory", reassembly.dtlsMessagesOutOfMemory) }
        w.endObject()
        if sdpEndpointsEvicted > 0 { w.value("sdp_endpoints_evicted", sdpEndpointsEvicted) }
        w.beginArray("warnings")
        for issue in warnings {
            w.beginObject()
            w.value("code", issue.kind.rawValue)
            w.value("file", issue.file)
            w.value("packet", issue.packet)
            w.value("offset", issue.offset)
            w.value("count", issue.count)
            w.value("fatal", issue.fatal)
            w.value("message", issue.detail)
            w.endObject()
        }
        w.endArray()
    }
}
