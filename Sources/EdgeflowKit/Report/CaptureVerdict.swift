/// What the capture summary says about the report's completeness: packets that could not be
/// decoded, a capture with nothing to analyse, and limits that stopped the analysis following traffic.
extension CaptureSummary {
    /// Packets that decoded neither to IP nor to a known non-IP frame (each counted under a decode error).
    public var undecodedPackets: Int { packets - ipPackets - nonIPPackets }

    /// Why nothing in the capture could be analysed, or nil when some packet reached IP.
    public var nothingAnalysed: String? {
        guard ipPackets == 0 else { return nil }
        if packets == 0 {
            if files.isEmpty { return "the capture holds no packets" }
            // Reading stopped at a damaged or refused record: the file is not empty, say why.
            let stopped = warnings.filter(\.fatal)
            guard !stopped.isEmpty else {
                return files.map(\.path).joined(separator: ", ") + (files.count == 1 ? " holds no packets" : " hold no packets")
            }
            return files.map { f in
                guard let issue = stopped.first(where: { $0.file == f.path }) else { return "\(f.path) holds no packets" }
                return "\(f.path) could not be read, no packet taken: " + issue.description.dropFirst(issue.file.count + 2)
            }.joined(separator: "; ")
        }
        let all = TableReportWriter.counted(packets, "packet")
        let links = linkTypes.map(\.name).joined(separator: ", ")
        if decodeErrors[.unsupportedLinkType] == packets {
            return "link type \(links) is not supported (\(all)); edgeflow reads Ethernet, Linux SLL and SLL2, raw IP, null and loop captures"
        }
        var parts = decodeErrors.nonZero.map { "\($0.0) \($0.1)" }
        if nonIPPackets > 0 { parts.append("not IP \(nonIPPackets)") }
        let none = packets == 1 ? "the capture's one packet could not" : "none of the capture's \(all) could"
        return "\(none) be decoded to IPv4 or IPv6 and a transport (\(parts.joined(separator: ", ")); link type \(links))"
    }

    /// A warning finding (`limit_reached`) for each limit that was reached: what was not
    /// followed, that findings may be missing, and the flag to raise.
    var limitFindings: [Finding] {
        var out: [Finding] = []
        func add(_ flag: String, _ what: String) {
            out.append(Finding(severity: FindingCode.limitReached.severity(), code: .limitReached,
                               message: "\(flag) was reached: \(what); findings may be missing. Raise \(flag) to follow them"))
        }
        if flowsEvicted > 0 {
            add("--max-flows", "\(TableReportWriter.counted(flowsEvicted, "flow")) evicted before they ended (later packets start new flows)")
        }
        if flowsNotInspected > 0 {
            add("--max-inspected-flows", "\(TableReportWriter.counted(flowsNotInspected, "flow")) only counted (STUN/TURN, RTP, TLS and SIP in them not followed)")
        }
        if reassembly.streamsOutOfMemory > 0 {
            add("--reassembly-memory", "\(TableReportWriter.counted(reassembly.streamsOutOfMemory, "TCP stream")) no longer reassembled (TLS handshakes and STUN over TCP in them not read)")
        }
        if reassembly.dtlsMessagesOutOfMemory > 0 {
            add("--reassembly-memory", "\(TableReportWriter.counted(reassembly.dtlsMessagesOutOfMemory, "DTLS handshake message")) not buffered (hellos and certificates in them not read)")
        }
        if sdpEndpointsEvicted > 0 {
            out.append(Finding(severity: FindingCode.limitReached.severity(), code: .limitReached,
                               message: "the SDP book's \(TableReportWriter.counted(SDPBook.capacity, "media endpoint")) were exceeded: "
                                   + "\(TableReportWriter.counted(sdpEndpointsEvicted, "endpoint")) named by SDP dropped, oldest first (RTP streams "
                                   + "of dynamic payload types towards them take no clock from their SDP); give their clocks with --rtp-clock"))
        }
        return out
    }
}
