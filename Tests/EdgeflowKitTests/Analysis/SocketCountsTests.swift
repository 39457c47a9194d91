import Testing
@testable import EdgeflowKit

/// `live --threads N` counts each socket's packets on its own thread and adds the counts up
/// (`CaptureSummary.addPacketCounts`): the sum must be the count of one pass over the same
/// packets, whichever way they were split.
@Suite("Packet counts of several sockets")
struct SocketCountsTests {
    /// The capture object of `s`, as the report writes it.
    static func json(_ s: CaptureSummary) -> String {
        var w = JSONWriter()
        w.beginObject()
        s.write(to: &w)
        w.endObject()
        return w.text
    }

    @Test("split by packet number into two summaries and added up: the one-pass summary (the sample, tunnels, a decode error, several link types)",
          arguments: ["/Captures/edge-sample.pcap", "/Captures/tunnel/tunnels.pcap", "/Captures/malformed/vlan-stack-depth.pcap", "/Captures/malformed/zero-length-packets.pcap", "/Captures/edge-sample.pcapng"])
    func splitAndAdded(_ file: String) throws {
        var reader = try MappedCaptureReader(path: repositoryRoot + file)
        var one = CaptureSummary(), parts = [CaptureSummary(), CaptureSummary()]
        var cache = LinkTypeCache(), caches = [LinkTypeCache(), LinkTypeCache()]
        var n = 0
        while let p = reader.next() {
            n += 1
            var d = DecodedPacket(), e = DecodedPacket()
            _ = one.account(p, &cache, into: &d)
            // The second part starts later: its first link type and timestamps come second.
            _ = parts[n % 2 == 0 ? 1 : 0].account(p, &caches[n % 2 == 0 ? 1 : 0], into: &e)
        }
        one.flush(&cache)
        parts[0].flush(&caches[0])
        parts[1].flush(&caches[1])
        #expect(parts[0].packets > 0 && parts[1].packets > 0)
        var sum = CaptureSummary()
        sum.addPacketCounts(of: parts[0])
        sum.addPacketCounts(of: parts[1])
        #expect(sum.packets == n)
        #expect(Self.json(sum) == Self.json(one))
    }

    @Test("the sample: 260 packets (tshark -r Captures/edge-sample.pcap | wc -l) counted once, added to nothing")
    func sampleCount() throws {
        var reader = try MappedCaptureReader(path: repositoryRoot + "/Captures/edge-sample.pcap")
        var s = CaptureSummary(), cache = LinkTypeCache()
        while let p = reader.next() {
            var d = DecodedPacket()
            _ = s.account(p, &cache, into: &d)
        }
        s.flush(&cache)
        var sum = CaptureSummary()
        sum.addPacketCounts(of: s)
        #expect(sum.packets == 260 && Self.json(sum) == Self.json(s))
    }
}
