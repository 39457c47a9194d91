import Testing
@testable import EdgeflowKit

/// The engine counts packets per link type in runs (a scalar per packet, the summary's array
/// only when the link type changes): the summary read at any point, and after `finish`,
/// holds every packet under its link type, in the order the types first appeared.
@Suite("Packets per link type")
struct LinkTypeCountTests {
    @Test("alternating Ethernet, raw IP and Linux cooked frames: counts read mid-run and after finish")
    func runsOfLinkTypes() {
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1])
        let ip4 = Frames.ipv4Header(src: "10.1.1.1", dst: "10.1.1.2", proto: 17, payloadLength: u.count) + u
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]
        let frames: [(LinkType, [UInt8])] = [(.ethernet, Frames.ethernet(type: 0x0800) + ip4), (.raw, ip4), (.linuxSLL, sll + ip4)]
        // 3 Ethernet, 2 raw, 1 Ethernet, 1 cooked, 2 raw: ethernet 4, raw 4, linux-sll 1.
        let order = [0, 0, 0, 1, 1, 0, 2, 1, 1]
        var engine = Engine(settings: FlowSettings())
        for (n, i) in order.enumerated() {
            frames[i].1.withUnsafeBytes { b in
                engine.ingest(Packet(timestamp: Int64(n) * 1_000_000, linkType: frames[i].0, interface: 0, originalLength: b.count,
                                     bytes: b, number: n + 1, fileOffset: -1))
            }
            if n == 4 {
                // Read while a run of raw frames goes on: 3 Ethernet, 2 raw so far.
                #expect(engine.summary.linkTypes.map(\.name) == ["ethernet", "raw"])
                #expect(engine.summary.linkTypes.map(\.packets) == [3, 2])
            }
        }
        #expect(engine.summary.linkTypes.map(\.packets) == [4, 4, 1])
        let s = engine.finish()
        #expect(s.linkTypes.map(\.name) == ["ethernet", "raw", "linux-sll"])
        #expect(s.linkTypes.map(\.packets) == [4, 4, 1])
        #expect(engine.summary.linkTypes.map(\.packets) == [4, 4, 1])
        #expect(s.packets == 9)
    }
}
