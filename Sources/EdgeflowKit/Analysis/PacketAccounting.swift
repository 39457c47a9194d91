/// The first and last timestamps of the packets noted since it began, as two plain integers:
/// one `min` and one `max` a packet, where the summary's optionals took a test each.
struct TimeSpan {
    var first = Int64.max
    var last = Int64.min

    /// No packet noted yet.
    var isEmpty: Bool { first > last }

    @inline(__always)
    mutating func note(_ timestamp: Int64) {
        first = min(first, timestamp)
        last = max(last, timestamp)
    }
}

/// The link type counted last, its place in `CaptureSummary.linkTypes`, and its packets since
/// it last changed, not yet added there: most packets repeat it, and a counter here costs less
/// than a write into the array (and its uniqueness check) per packet. Read the summary through
/// `CaptureSummary.flushing(_:)` or after `flush(_:)`.
struct LinkTypeCache {
    var type = LinkType(rawValue: .max)
    var index = 0
    var run = 0
}

extension CaptureSummary {
    /// Counts and decodes one packet into `d` (fresh, `DecodedPacket()`); true when it belongs to a flow.
    @inline(__always)
    mutating func account(_ packet: Packet, _ cache: inout LinkTypeCache, into d: inout DecodedPacket) -> Bool {
        countRecord(packet, &cache)
        PacketDecoder.decode(packet.bytes, originalLength: packet.originalLength, linkType: packet.linkType, into: &d)
        return countDecoded(d)
    }

    /// Counts what the reader tells of one packet: its lengths, time and link type.
    @inline(__always)
    mutating func countRecord(_ packet: Packet, _ cache: inout LinkTypeCache) {
        countLengths(packet)
        if firstTimestamp == nil || packet.timestamp < firstTimestamp! { firstTimestamp = packet.timestamp }
        if lastTimestamp == nil || packet.timestamp > lastTimestamp! { lastTimestamp = packet.timestamp }
        countLinkType(packet.linkType, &cache)
    }

    /// `countRecord` with the packet's time noted in `span`, not in this summary's optionals
    /// (an engine's packets: `Engine.summary` adds the span).
    @inline(__always)
    mutating func countRecord(_ packet: Packet, _ cache: inout LinkTypeCache, times span: inout TimeSpan) {
        countLengths(packet)
        span.note(packet.timestamp)
        countLinkType(packet.linkType, &cache)
    }

    @inline(__always)
    private mutating func countLengths(_ packet: Packet) {
        packets &+= 1
        bytes &+= packet.capturedLength
        wireBytes &+= packet.originalLength
        if packet.capturedLength < packet.originalLength { truncatedPackets &+= 1 }
    }

    /// The first and last timestamps of `span` counted in.
    mutating func add(_ span: TimeSpan) {
        guard !span.isEmpty else { return }
        firstTimestamp = min(firstTimestamp ?? .max, span.first)
        lastTimestamp = max(lastTimestamp ?? .min, span.last)
    }

    /// Counts what decoding told of one packet (IP or not, errors, anomalies, tunnels); true
    /// when it belongs to a flow. A sharded run counts a flow's packets on the shard that owns
    /// it, every other packet on the calling thread's, and adds them up (`addDecodeCounts`).
    @inline(__always)
    mutating func countDecoded(_ d: DecodedPacket) -> Bool {
        if let anomaly = d.anomaly { decodeErrors.add(anomaly) }
        if d.tunnel != .none { encapsulated[Int(d.tunnel.rawValue)] &+= 1 }
        switch d.kind {
        case .transport:
            ipPackets &+= 1
            return true
        case .fragmentTail:
            ipPackets &+= 1
            fragmentTails &+= 1
        case .nonIP:
            nonIPPackets &+= 1
        case .error:
            decodeErrors.add(d.error)
        }
        return false
    }

    /// The counts `countDecoded` made in `s` (another shard's) added to these.
    mutating func addDecodeCounts(of s: CaptureSummary) {
        decodeErrors.merge(s.decodeErrors)
        for i in encapsulated.indices { encapsulated[i] &+= s.encapsulated[i] }
        ipPackets &+= s.ipPackets
        nonIPPackets &+= s.nonIPPackets
        fragmentTails &+= s.fragmentTails
    }

    @inline(__always)
    private mutating func countLinkType(_ t: LinkType, _ cache: inout LinkTypeCache) {
        if t == cache.type {
            cache.run &+= 1
            return
        }
        newLinkType(t, &cache)
    }

    /// A packet of another link type than the last one's: the last run is added up.
    private mutating func newLinkType(_ t: LinkType, _ cache: inout LinkTypeCache) {
        flush(&cache)
        let name = t.name
        if let i = linkTypes.firstIndex(where: { $0.name == name }) {
            cache.index = i
        } else {
            linkTypes.append((name, 0))
            cache.index = linkTypes.count - 1
        }
        cache.type = t
        cache.run = 1
    }

    /// Adds the packets `cache` holds for its link type into `linkTypes`.
    mutating func flush(_ cache: inout LinkTypeCache) {
        if cache.run != 0 { linkTypes[cache.index].packets &+= cache.run }
        cache.run = 0
    }

    /// These counts with the packets `cache` holds for its link type added.
    func flushing(_ cache: LinkTypeCache) -> CaptureSummary {
        var s = self
        var c = cache
        s.flush(&c)
        return s
    }

    /// The packet counts of `s` (what `account` counted) added to these: another capture
    /// socket's packets. Link types keep their order of first appearance, this summary's first.
    mutating func addPacketCounts(of s: CaptureSummary) {
        packets &+= s.packets
        bytes &+= s.bytes
        wireBytes &+= s.wireBytes
        truncatedPackets &+= s.truncatedPackets
        if let t = s.firstTimestamp, firstTimestamp.map({ t < $0 }) ?? true { firstTimestamp = t }
        if let t = s.lastTimestamp, lastTimestamp.map({ t > $0 }) ?? true { lastTimestamp = t }
        for l in s.linkTypes {
            if let i = linkTypes.firstIndex(where: { $0.name == l.name }) { linkTypes[i].packets &+= l.packets } else { linkTypes.append(l) }
        }
        addDecodeCounts(of: s)
    }
}
