/// IPFIX (RFC 7011) messages for ended flows: one template per address family with the
/// standard information elements, RFC 5103 reverse counters for the responder's direction,
/// and edgeflow's own elements (roles, rule, verdict) under the documentation enterprise
/// number (RFC 5612: 32473); flows with RTP streams use two more templates, the same fields
/// followed by their RTP loss and jitter per direction. Hand-written: no Swift IPFIX library
/// exists, and the format is a few fixed-layout fields.
public struct IPFIXEncoder: Sendable {
    /// Enterprise number of RFC 5103's reverse information elements.
    public static let reversePEN: UInt32 = 29305
    /// Enterprise number of edgeflow's elements: RFC 5612's number for documentation use.
    public static let edgeflowPEN: UInt32 = 32473
    public static let ipv4Template: UInt16 = 256
    public static let ipv6Template: UInt16 = 257
    /// The templates of flows with RTP streams: 256's and 257's fields, then `RTPElement`s.
    public static let ipv4RTPTemplate: UInt16 = 258
    public static let ipv6RTPTemplate: UInt16 = 259
    /// Messages stay below a common path MTU (RFC 7011 §10.3.3).
    public static let maximumMessage = 1400

    /// edgeflow's enterprise elements, all variable-length strings.
    public enum Element: UInt16, CaseIterable, Sendable {
        case originatorRole = 1, responderRole = 2, rule = 3, verdict = 4
    }

    /// edgeflow's enterprise elements of a flow's RTP streams (the flow's `rtp` entries), per
    /// direction: packets lost and expected (RFC 3550, summed over the direction's streams;
    /// unsigned64) and the largest RFC 3550 interarrival jitter of its streams with a known
    /// clock rate (µs, unsigned32).
    public enum RTPElement: UInt16, CaseIterable, Sendable {
        case originatorLost = 5, originatorExpected = 6, originatorMaxJitterMicroseconds = 7
        case responderLost = 8, responderExpected = 9, responderMaxJitterMicroseconds = 10

        var length: UInt16 {
            switch self {
            case .originatorMaxJitterMicroseconds, .responderMaxJitterMicroseconds: 4
            default: 8
            }
        }
    }

    public let observationDomain: UInt32
    /// Data records sent so far (the header's sequence number).
    public private(set) var sequence: UInt32 = 0
    /// Pending records, one Set per template (index: template − 256), in one message (RFC 7011
    /// §3: a message may carry several Sets), so flows of different templates that end
    /// interleaved still share messages.
    private var pending: [[UInt8]] = Array(repeating: [], count: 4)
    private var pendingBytes = 0
    private var recordCount: UInt32 = 0

    public init(observationDomain: UInt32 = 1) { self.observationDomain = observationDomain }

    /// (element id, length, enterprise) of a template's fields.
    static func fields(ipv6: Bool, rtp: Bool = false) -> [(UInt16, UInt16, UInt32?)] {
        let media = rtp ? RTPElement.allCases.map { ($0.rawValue, $0.length, Optional(edgeflowPEN)) } : []
        return [
            (ipv6 ? 27 : 8, ipv6 ? 16 : 4, nil),   // sourceIPv6Address / sourceIPv4Address
            (ipv6 ? 28 : 12, ipv6 ? 16 : 4, nil),  // destinationIPv6Address / destinationIPv4Address
            (7, 2, nil),                            // sourceTransportPort
            (11, 2, nil),                           // destinationTransportPort
            (4, 1, nil),                            // protocolIdentifier
            (1, 8, nil),                            // octetDeltaCount
            (2, 8, nil),                            // packetDeltaCount
            (1, 8, reversePEN),                     // reverse octetDeltaCount (RFC 5103)
            (2, 8, reversePEN),                     // reverse packetDeltaCount
            (152, 8, nil),                          // flowStartMilliseconds
            (153, 8, nil),                          // flowEndMilliseconds
            (136, 1, nil),                          // flowEndReason
        ] + Element.allCases.map { ($0.rawValue, 0xFFFF, edgeflowPEN) } + media
    }

    /// A message with the four templates only.
    public mutating func templateMessage(exportTime: UInt32) -> [UInt8] {
        var set: [UInt8] = []
        for (id, v6, rtp) in [(Self.ipv4Template, false, false), (Self.ipv6Template, true, false),
                              (Self.ipv4RTPTemplate, false, true), (Self.ipv6RTPTemplate, true, true)] {
            let f = Self.fields(ipv6: v6, rtp: rtp)
            put16(&set, id)
            put16(&set, UInt16(f.count))
            for (element, length, pen) in f {
                put16(&set, pen == nil ? element : element | 0x8000)
                put16(&set, length)
                if let pen { put32(&set, pen) }
            }
        }
        return message(sets: [(2, set)], exportTime: exportTime)
    }

    /// Adds a flow; returns a full message when the flow did not fit in the pending one.
    public mutating func add(_ f: FlowSummary, exportTime: UInt32) -> [UInt8]? {
        let v6 = !(f.origAddress.isIPv4Mapped && f.respAddress.isIPv4Mapped)
        let rtp = f.app?.rtp ?? []
        let template = rtp.isEmpty ? (v6 ? Self.ipv6Template : Self.ipv4Template) : (v6 ? Self.ipv6RTPTemplate : Self.ipv4RTPTemplate)
        var r: [UInt8] = []
        r.reserveCapacity(128)
        for a in [f.origAddress, f.respAddress] {
            if v6 { put64(&r, a.hi); put64(&r, a.lo) } else { put32(&r, a.ipv4Value) }
        }
        put16(&r, UInt16(truncatingIfNeeded: f.origP))
        put16(&r, UInt16(truncatingIfNeeded: f.respP))
        r.append(f.protocolNumber)
        put64(&r, UInt64(max(0, f.origIPBytes)))
        put64(&r, UInt64(max(0, f.origPkts)))
        put64(&r, UInt64(max(0, f.respIPBytes)))
        put64(&r, UInt64(max(0, f.respPkts)))
        put64(&r, UInt64(max(0, f.ts / 1_000_000)))
        put64(&r, UInt64(max(0, f.lastTs / 1_000_000)))
        r.append(Self.endReason(f))
        for text in [f.origRole, f.respRole, f.rule ?? "", f.verdict] { putString(&r, text) }
        if !rtp.isEmpty {
            for fromOriginator in [true, false] {
                let m = Self.rtpMeasures(rtp, fromOriginator: fromOriginator)
                put64(&r, m.lost)
                put64(&r, m.expected)
                put32(&r, m.maxJitterMicroseconds)
            }
        }

        let slot = Int(template - Self.ipv4Template)
        var full: [UInt8]? = nil
        // The message's size with this record: its Set's header too when the Set is new.
        if recordCount > 0 && 16 + pendingBytes + (pending[slot].isEmpty ? 4 : 0) + r.count > Self.maximumMessage {
            full = flush(exportTime: exportTime)
        }
        if pending[slot].isEmpty { pendingBytes += 4 }
        pending[slot] += r
        pendingBytes += r.count
        recordCount &+= 1
        return full
    }

    /// The pending records as a message, or nil when none wait.
    public mutating func flush(exportTime: UInt32) -> [UInt8]? {
        guard recordCount > 0 else { return nil }
        var sets: [(UInt16, [UInt8])] = []
        for (i, body) in pending.enumerated() where !body.isEmpty { sets.append((Self.ipv4Template + UInt16(i), body)) }
        let m = message(sets: sets, exportTime: exportTime)
        sequence &+= recordCount
        for i in pending.indices { pending[i].removeAll(keepingCapacity: true) }
        pendingBytes = 0
        recordCount = 0
        return m
    }

    /// The RTP elements of one direction: lost and expected packets of its streams, and the
    /// largest jitter of those with a clock rate (rounded to µs; 0 when none).
    static func rtpMeasures(_ streams: [AppReport.RTPStream], fromOriginator: Bool) -> (lost: UInt64, expected: UInt64, maxJitterMicroseconds: UInt32) {
        var lost: UInt64 = 0, expected: UInt64 = 0, jitter = 0.0
        for s in streams where s.fromOriginator == fromOriginator {
            lost &+= UInt64(max(0, s.stats.lostForReport))
            expected &+= UInt64(max(0, s.stats.expected))
            if s.stats.lastClockRate > 0 { jitter = max(jitter, s.stats.maxJitterSeconds) }
        }
        // Jitter comes from the capture's timestamps (hostile): no trapping conversion.
        let us = (jitter * 1e6).rounded()
        return (lost, expected, us.isFinite && us >= 0 ? UInt32(min(us, Double(UInt32.max))) : 0)
    }

    /// RFC 5102 flowEndReason: 1 idle timeout, 3 end of flow detected, 4 forced end, 5 lack of resources.
    static func endReason(_ f: FlowSummary) -> UInt8 {
        switch f.end {
        case .idle: f.connState == "SF" || f.connState == "RSTO" || f.connState == "RSTR" ? 3 : 1
        case .reused: 3
        case .endOfInput: 4
        case .evicted: 5
        }
    }

    private func message(sets: [(UInt16, [UInt8])], exportTime: UInt32) -> [UInt8] {
        var m: [UInt8] = []
        let length = 16 + sets.reduce(0) { $0 + 4 + $1.1.count }
        put16(&m, 10)
        put16(&m, UInt16(length))
        put32(&m, exportTime)
        put32(&m, sequence)
        put32(&m, observationDomain)
        for (id, body) in sets {
            put16(&m, id)
            put16(&m, UInt16(4 + body.count))
            m += body
        }
        return m
    }

    private func put16(_ b: inout [UInt8], _ v: UInt16) { b.append(UInt8(v >> 8)); b.append(UInt8(v & 0xFF)) }
    private func put32(_ b: inout [UInt8], _ v: UInt32) { put16(&b, UInt16(v >> 16)); put16(&b, UInt16(v & 0xFFFF)) }
    private func put64(_ b: inout [UInt8], _ v: UInt64) { put32(&b, UInt32(v >> 32)); put32(&b, UInt32(v & 0xFFFF_FFFF)) }
    /// Variable-length field (RFC 7011 §7): one length byte below 255.
    private func putString(_ b: inout [UInt8], _ s: String) {
        let bytes = Array(s.utf8.prefix(254))
        b.append(UInt8(bytes.count))
        b += bytes
    }
}
