import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Lookups ahead: the records read ahead and the hashes their prefetch uses")
struct LookupAheadTests {
    /// Ten frames told apart by their source port.
    static let frames = (0..<10).map { Frames.udp4("192.0.2.1", UInt16(5000 + $0), "198.51.100.2", 3478) }

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

    @Test("each plain pcap record is read ahead once, four records past the packet just read, and none past the end")
    func readsAhead() throws {
        let path = CaptureFile.temporary(CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) }))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<10))
        #expect(ahead == [4, 5, 6, 7, 8, 9, nil, nil, nil, nil])
    }

    @Test("a record the reader takes out of line (captured length above the snapshot length) is not read ahead; reading ahead goes on once the reader is past it")
    func damagedRecord() throws {
        var records = Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) }
        records[5].data += [UInt8](repeating: 0, count: 100)   // 142 bytes, snapshot length 100
        let path = CaptureFile.temporary(CaptureFile.pcap(records, snaplen: 100))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<10))
        #expect(ahead == [4, nil, nil, nil, nil, 9, nil, nil, nil, nil])
    }

    @Test("a file cut inside its last record: nothing is read ahead from the cut record", arguments: [10, 50])
    func cutFile(cut: Int) throws {
        let bytes = CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) })
        let path = CaptureFile.temporary(Array(bytes.dropLast(cut)))
        let (read, ahead) = try Self.interleave(path)
        #expect(read == Array(0..<9))
        #expect(ahead == [4, 5, 6, 7, 8, nil, nil, nil, nil])
    }

    @Test("pcapng and classic pcap in the other byte order are not read ahead")
    func otherFormats() throws {
        let big = CaptureFile.temporary(CaptureFile.pcap(Self.frames.map { TestRecord(seconds: 1_700_000_000, fraction: 0, data: $0) },
                                                         bigEndian: true))
        #expect(try Self.interleave(big).ahead.allSatisfy { $0 == nil })
        let ng = CaptureFile.temporary(CaptureFile.pcapngSection(interfaces: [.init(linkType: 1, tsresol: 9)],
                                                                 packets: Self.frames.map { (0, 1_700_000_000_000_000_000, $0) }),
                                       suffix: ".pcapng")
        let (read, ahead) = try Self.interleave(ng)
        #expect(read == Array(0..<10) && ahead.allSatisfy { $0 == nil })
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

    @Test("no hash for frames that are not Ethernet with IPv4 and captured ports")
    func noHash() {
        let secret = FlowKey.TableSecret(seed: 42)
        let u = Frames.udp(sport: 1000, dport: 2000, payload: [1, 2, 3, 4])
        let v6 = Frames.ethernet(type: 0x86DD) + Frames.ipv6Header(src: "2001:db8::1", dst: "2001:db8::2", next: 17, payloadLength: u.count) + u
        let cut = Array(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000).prefix(35))
        for f in [v6, cut, Frames.ethernet(type: 0x0800, vlans: [(0x8100, 7)]) + Frames.ipv4Header(src: "10.0.0.1", dst: "10.0.0.2", proto: 17, payloadLength: u.count) + u] {
            #expect(f.withUnsafeBytes { LookupAhead.hash($0, linkType: .ethernet, secret) } == nil)
        }
        #expect(Frames.udp4("10.0.0.1", 1000, "10.0.0.2", 2000).withUnsafeBytes { LookupAhead.hash($0, linkType: .linuxSLL, secret) } == nil)
    }
}
