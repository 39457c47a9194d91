import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Lookups ahead: the records read ahead and the hashes their prefetch uses")
struct LookupAheadTests {
    /// Thirty frames told apart by their source port.
    static let frames = (0..<30).map { Frames.udp4("192.0.2.1", UInt16(5000 + $0), "198.51.100.2", 3478) }

    /// The packets `next()` returns, and after each what `frameAhead()` gave (nil or the index
    /// of the frame whose bytes it is).
    static func interleave(_ path: String) throws -> (read: [Int], ahead: [Int?]) {
        var reader = try MappedCaptureReader(path: path)
        var read: [Int] = [], ahead: [Int?] = []
        while let p = reader.next() {
            read.append(Int(p.bytes.loadUnaligned(fromByteOffset: 34, as: UInt16.self).bigEndian) - 5000)
            ahead.append(reader.frameAhead().map { Int($0.loadUnaligned(fromByteOffset: 34, as: UInt16.self).bigEndian) - 5000 })
        }
        return (read, ahead)
    }

    /// With a snapshot length of 100 the first records are read with one length check
    /// (`aheadSafe`), the last ones with every check.
    @Test("each plain pcap record is read ahead once, twelve records past the packet just read, and none past the end",
          arguments: [100, 65535])
    func readsAhead(snaplen: UInt32) throws {
        let path = CaptureFile.temporary(CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) },
                                                          snaplen: snaplen))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<30))
        #expect(ahead == (12..<30).map { Optional($0) } + [Int?](repeating: nil, count: 12))
    }

    @Test("a record the reader takes out of line (captured length above the snapshot length) is not read ahead; reading ahead goes on once the reader is past it")
    func damagedRecord() throws {
        var records = Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) }
        records[14].data += [UInt8](repeating: 0, count: 100)   // 142 bytes, snapshot length 100
        let path = CaptureFile.temporary(CaptureFile.pcap(records, snaplen: 100))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<30))
        let none = [Int?](repeating: nil, count: 12)
        #expect(ahead == [12, 13] + none + [26, 27, 28, 29] + none)
    }

    @Test("a file cut inside its last record: nothing is read ahead from the cut record", arguments: [10, 50])
    func cutFile(cut: Int) throws {
        let bytes = CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) })
        let path = CaptureFile.temporary(Array(bytes.dropLast(cut)))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<29))
        #expect(ahead == (12..<29).map { Optional($0) } + [Int?](repeating: nil, count: 12))
    }

    @Test("records read ahead now and then are read as records never read ahead, a damaged one included")
    func readsAheadNowAndThen() throws {
        var records = Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) }
        records[7].data += [UInt8](repeating: 0, count: 100)   // 142 bytes, snapshot length 100: cut to 100
        let path = CaptureFile.temporary(CaptureFile.pcap(records, snaplen: 100))
        func read(aheadAfter: Set<Int>) throws -> [[UInt8]] {
            var reader = try MappedCaptureReader(path: path)
            var packets: [[UInt8]] = []
            while let p = reader.next() {
                packets.append(Array(p.bytes) + withUnsafeBytes(of: p.timestamp) { Array($0) } + withUnsafeBytes(of: p.originalLength) { Array($0) })
                if aheadAfter.contains(packets.count) { _ = reader.frameAhead() }
            }
            return packets
        }
        let plain = try read(aheadAfter: [])
        #expect(plain.count == 30 && plain[7].count == 100 + 16)
        #expect(try read(aheadAfter: [1, 2, 6]) == plain)
        #expect(try read(aheadAfter: Set(1...30)) == plain)
    }

    @Test("pcapng, classic pcap in the other byte order and frames other than Ethernet are not read ahead")
    func otherFormats() throws {
        let big = CaptureFile.temporary(CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) },
                                                         bigEndian: true))
        #expect(try Self.interleave(big).ahead.allSatisfy { $0 == nil })
        let ng = CaptureFile.temporary(CaptureFile.pcapngSection(interfaces: [.init(linkType: 1, tsresol: 9)],
                                                                 packets: Self.frames.map { (0, 1_700_000_000_000_000_000, $0) }),
                                       suffix: ".pcapng")
        let (read, ahead) = try Self.interleave(ng)
        #expect(read == Array(0..<30) && ahead.allSatisfy { $0 == nil })
        // Linux cooked capture: the frames' bytes are not Ethernet's.
        let sll = CaptureFile.temporary(CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) },
                                                         linkType: 113))
        #expect(try Self.interleave(sll).ahead.allSatisfy { $0 == nil })
    }

    /// The hash a lookup ahead makes from the frame is the one the flow table files the flow
    /// under (its key's, as the decoder reads the frame), for both directions of the flow.
    @Test("the hash made from a frame is its flow key's table hash, both ways, UDP and TCP")
    func hashIsTheTables() throws {
        let secret = FlowKey.TableSecret(seed: 42)
        let frames = [Frames.udp4("10.1.2.3", 50000, "52.112.7.9", 3478), Frames.udp4("52.112.7.9", 3478, "10.1.2.3", 50000),
                      Frames.tcp4("192.0.2.1", 443, "198.51.100.2", 61000, flags: 0x18, payload: [0x17, 3, 3]),
                      Frames.tcp4("198.51.100.2", 61000, "192.0.2.1", 443, flags: 0x10)]
        for f in frames {
            let key = f.withUnsafeBytes { FlowKey.of(PacketDecoder.decode($0, originalLength: $0.count, linkType: .ethernet)).key }
            let hash = f.withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, secret) }
            #expect(hash == key.tableHash(secret))
        }
        #expect(frames[0].withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, secret) }
                == frames[1].withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, secret) })
    }

    /// A table of few flows keeps their lines in the caches: its tracker takes no step of the
    /// lookups ahead (the frame read ahead is not even hashed) until it holds `fewestFlows`.
    @Test("a flow table takes the lookups ahead only from LookupAhead.fewestFlows live flows on")
    func fewFlows() {
        var tracker = FlowTracker()
        let ahead = Frames.udp4("192.0.2.1", 5000, "198.51.100.2", 3478)
        for i in 0..<LookupAhead.fewestFlows {
            if i == 0 || i == LookupAhead.fewestFlows - 1 {
                ahead.withUnsafeBytes { tracker.prefetch(ahead: $0, linkType: .ethernet) }
                #expect(tracker.ahead.hash == 0)
            }
            let frame = Frames.udp4("10.0.\(i / 250).\(i % 250 + 1)", 1024, "52.112.0.1", 3478)
            let d = frame.withUnsafeBytes { PacketDecoder.decode($0, originalLength: $0.count, linkType: .ethernet) }
            frame.withUnsafeBytes { tracker.track(d, timestamp: 1_000_000_000, bytes: $0, index: i + 1) }
        }
        #expect(tracker.table.count == LookupAhead.fewestFlows)
        ahead.withUnsafeBytes { tracker.prefetch(ahead: $0, linkType: .ethernet) }
        let expected = ahead.withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, tracker.table.secret) }
        #expect(expected != nil && tracker.ahead.hash == expected)
    }

    /// A table of `fewestFlows` flows, each of one datagram from 10.0.x.y:1024 to 52.112.0.1:3478.
    static func fullTracker() -> FlowTracker {
        var tracker = FlowTracker()
        for i in 0..<LookupAhead.fewestFlows {
            let frame = Self.flowFrame(i)
            let d = frame.withUnsafeBytes { PacketDecoder.decode($0, originalLength: $0.count, linkType: .ethernet) }
            frame.withUnsafeBytes { tracker.track(d, timestamp: 1_000_000_000, bytes: $0, index: i + 1) }
        }
        return tracker
    }

    /// A datagram of flow `i` of `fullTracker`, from its responder (52.112.0.1) when `back`.
    static func flowFrame(_ i: Int, back: Bool = false) -> [UInt8] {
        back ? Frames.udp4("52.112.0.1", 3478, "10.0.\(i / 250).\(i % 250 + 1)", 1024)
             : Frames.udp4("10.0.\(i / 250).\(i % 250 + 1)", 1024, "52.112.0.1", 3478)
    }

    /// Step `n` is taken with the frame of packet `n + 12`; the record found for packet `n`
    /// (from the thirteenth step on: its hash made twelve steps before) is the one the table holds the
    /// packet's flow in, as `find` gives it, for either direction, and none for a flow the table does not hold.
    @Test("the record found ahead for the packet about to be tracked is its flow's")
    func recordFoundAhead() {
        var tracker = Self.fullTracker()
        let flows = [17, 4000, 8191, -1, 17, 250, 251, 9, -1, 3, 5000, 6, 6, 7, 8191, 0, -1, 42, 43, 44, 17, -1, 1, 2,
                     250, 4000, 8, -1, 9, 9, 100, 101]
        let packets = flows.enumerated().map { k, i in i < 0 ? Frames.udp4("192.0.2.9", 9, "192.0.2.10", 10) : Self.flowFrame(i, back: k % 2 == 1) }
        for n in 1...(packets.count - 12) {
            packets[n + 11].withUnsafeBytes { tracker.prefetch(ahead: $0, linkType: .ethernet) }
            guard n >= 13 else { continue }
            let key = packets[n - 1].withUnsafeBytes { FlowKey.of(PacketDecoder.decode($0, originalLength: $0.count, linkType: .ethernet)).key }
            #expect(tracker.ahead.record == tracker.table.find(key, hash: tracker.table.hash(key)) ?? -1, "packet \(n)")
        }
    }

    /// The datagram path takes the record found ahead only when it holds the datagram's key:
    /// datagrams tracked in another order than the one the steps were taken for (each step's
    /// record another flow's, or none) count on their own flows, and no flow is made twice.
    @Test("a record found ahead for another flow is not taken: the datagram's flow is looked up")
    func otherFlowAhead() {
        var tracker = Self.fullTracker()
        let order = Array(11...40)
        for n in order.indices {
            Self.flowFrame(order[(n + 12) % order.count]).withUnsafeBytes { tracker.prefetch(ahead: $0, linkType: .ethernet) }
            // Tracked: the flow two places on from the one the steps were taken for.
            let frame = Self.flowFrame(order[(n + 2) % order.count], back: true)
            frame.withUnsafeBytes { guard let u = PacketDecoder.plainDatagram($0, linkType: .ethernet) else { return }
                tracker.trackDatagram(u, timestamp: 2_000_000_000, bytes: $0, index: LookupAhead.fewestFlows + n + 1) }
        }
        #expect(tracker.table.count == LookupAhead.fewestFlows)
        for i in 0..<LookupAhead.fewestFlows {
            #expect(tracker.table[i].respPackets == (order.contains(i) ? 1 : 0), "flow \(i)")
        }
    }

    /// The engine's loop (`Engine.ingest(from:file:until:)`) takes a step before each packet is
    /// tracked, with the frame its reader reads ahead: the record found for each packet, from
    /// the thirteenth on, is its flow's as `find` gives it, and none for a flow the table does not hold.
    @Test("in a reading loop, the record found ahead for each packet is its flow's")
    func readingLoop() throws {
        var tracker = Self.fullTracker()
        let flows = [17, 4000, 8191, -1, 17, 250, 251, 9, -1, 3, 5000, 6, 6, 7, 8191, 0, -1, 42, 43, 44,
                     17, 4000, -1, 250, 9, 9, 3, 100]
        let frames = flows.enumerated().map { k, i in
            i < 0 ? Frames.udp4("192.0.2.9", UInt16(9 + k), "192.0.2.10", 10) : Self.flowFrame(i, back: k % 3 == 1)
        }
        let path = CaptureFile.temporary(CaptureFile.pcap(frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) },
                                                          snaplen: 200))
        var reader = try MappedCaptureReader(path: path)
        var n = 0
        while let p = reader.next() {
            n += 1
            tracker.prefetch(aheadOf: &reader)
            let key = FlowKey.of(PacketDecoder.decode(p.bytes, originalLength: p.bytes.count, linkType: .ethernet)).key
            let known = tracker.table.find(key, hash: tracker.table.hash(key))
            if n >= 13 { #expect(tracker.ahead.record == known ?? -1, "packet \(n)") }
            if let u = PacketDecoder.plainDatagram(p.bytes, linkType: .ethernet) {
                tracker.trackDatagram(u, timestamp: 2_000_000_000, bytes: p.bytes, index: LookupAhead.fewestFlows + n)
            }
        }
        #expect(n == flows.count)
    }

    @Test("no hash for frames that are not Ethernet with a 20-byte IPv4 header and captured ports")
    func noHash() {
        let secret = FlowKey.TableSecret(seed: 42)
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4])
        let v6 = Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: u.count) + u
        let cut = Array(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000).prefix(35))
        // An IPv4 header of 24 bytes (one option word): its flow is looked up when tracked.
        var options = Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000)
        options[14] = 0x46
        options.insert(contentsOf: [1, 1, 1, 0], at: 34)
        for f in [v6, cut, options, Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count) + u] {
            #expect(f.withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, secret) } == nil)
        }
        #expect(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000).withUnsafeBytes { LookupAhead.hash($0, linkType: .linuxSLL, secret) } == nil)
    }
}
