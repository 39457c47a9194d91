import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Capture readers")
struct CaptureReaderTests {
    let frame = Frames.udp4("192.0.2.1", 5000, "198.51.100.2", 3478)

    private func readAll<R: PacketReader>(_ reader: inout R) -> [(ts: Int64, len: Int, orig: Int, link: UInt32, number: Int, offset: Int)] {
        var out: [(Int64, Int, Int, UInt32, Int, Int)] = []
        while let p = reader.next() { out.append((p.timestamp, p.capturedLength, p.originalLength, p.linkType.rawValue, p.number, p.fileOffset)) }
        return out
    }

    @Test("classic pcap in all four magics gives the same packets and nanosecond times",
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func classicMagics(bigEndian: Bool, nanos: Bool) throws {
        let frac: UInt32 = nanos ? 123_456_789 : 123_456
        let bytes = CaptureFile.pcap([TestRecord(seconds: 1_700_000_000, fraction: frac, data: frame),
                                      TestRecord(seconds: 1_700_000_001, fraction: 0, data: frame, originalLength: 1500)],
                                     bigEndian: bigEndian, nanoseconds: nanos)
        let path = CaptureFile.temporary(bytes)
        var mapped = try MappedCaptureReader(path: path)
        let m = readAll(&mapped)
        #expect(m.count == 2)
        #expect(m[0].ts == 1_700_000_000 * 1_000_000_000 + (nanos ? 123_456_789 : 123_456_000))
        #expect(m[1].orig == 1500 && m[1].len == frame.count)
        #expect(m[0].offset == 24 && m[1].offset == 24 + 16 + frame.count)
        #expect(mapped.issues.isEmpty)
        var lib = try LibpcapReader(path: path)
        let l = readAll(&lib)
        #expect(l.map(\.ts) == m.map(\.ts))
        #expect(l.map(\.len) == m.map(\.len))
        #expect(l.map(\.orig) == m.map(\.orig))
    }

    @Test("pcapng: sections of both byte orders, per-interface link type and if_tsresol")
    func pcapngSections() throws {
        let raw = Frames.ipv4Header(src: "192.0.2.1", dst: "192.0.2.2", proto: 17, payloadLength: 12)
            + Frames.udp(sport: 1, dport: 2, payload: [0, 0, 0, 0])
        let first = CaptureFile.pcapngSection(
            interfaces: [.init(linkType: 1, tsresol: 9), .init(linkType: 228, tsresol: nil)],
            packets: [(0, 1_700_000_000_123_456_789, frame), (1, 1_700_000_000_500_000, raw)],
            extraBlocks: [[0x05, 0, 0, 0, 16, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0xDD, 16, 0, 0, 0]])
        let second = CaptureFile.pcapngSection(
            interfaces: [.init(linkType: 1, tsresol: 0x80 | 20)],
            packets: [(0, UInt64(1_700_000_002) << 20 | (1 << 19), frame)], bigEndian: true)
        let path = CaptureFile.temporary(first + second, suffix: ".pcapng")
        var reader = try MappedCaptureReader(path: path)
        let p = readAll(&reader)
        #expect(reader.issues.isEmpty)
        #expect(p.count == 3)
        #expect(p[0].ts == 1_700_000_000_123_456_789)
        #expect(p[1].ts == 1_700_000_000_500_000_000 && p[1].link == 228)
        #expect(p[2].ts == 1_700_000_002_500_000_000 && p[2].link == 1)
        #expect(reader.formatName == "pcapng")
    }

    @Test("a file cut mid-packet keeps the packets before it and names packet and offset")
    func truncatedMidPacket() throws {
        let whole = CaptureFile.pcap((0..<3).map { TestRecord(seconds: UInt32(100 + $0), fraction: 0, data: frame) })
        let path = CaptureFile.temporary(Array(whole.dropLast(5)))
        var reader = try MappedCaptureReader(path: path)
        #expect(readAll(&reader).count == 2)
        let issue = try #require(reader.issues.first)
        #expect(issue.kind == .truncatedPacket && issue.packet == 3 && issue.fatal)
        #expect(issue.offset == 24 + 2 * (16 + frame.count))
        var lib = try LibpcapReader(path: path)
        #expect(readAll(&lib).count == 2)
        #expect(lib.issues.first?.kind == .truncatedPacket)
    }

    @Test("a file cut inside a record header")
    func truncatedMidHeader() throws {
        let whole = CaptureFile.pcap([TestRecord(seconds: 1, fraction: 0, data: frame)])
        let path = CaptureFile.temporary(whole + [1, 2, 3, 4, 5, 6])
        var reader = try MappedCaptureReader(path: path)
        #expect(readAll(&reader).count == 1)
        #expect(reader.issues.first?.kind == .truncatedRecordHeader)
        #expect(reader.issues.first?.offset == whole.count)
        var lib = try LibpcapReader(path: path)
        #expect(readAll(&lib).count == 1)
        #expect(lib.issues.first?.kind == .truncatedRecordHeader)
    }

    @Test("captured length above the snapshot length is cut to it, as libpcap does")
    func caplenAboveSnaplen() throws {
        let path = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 1, fraction: 0, data: frame),
                                                           TestRecord(seconds: 2, fraction: 0, data: frame)], snaplen: 40))
        var reader = try MappedCaptureReader(path: path)
        let p = readAll(&reader)
        #expect(p.map(\.len) == [40, 40])
        #expect(reader.issues.count == 1 && reader.issues[0].kind == .caplenAboveSnaplen && reader.issues[0].count == 2)
        #expect(!reader.issues[0].fatal)
        var lib = try LibpcapReader(path: path)
        #expect(readAll(&lib).map(\.len) == [40, 40])
    }

    @Test("an absurd captured length stops reading with an error")
    func caplenAbsurd() throws {
        var bytes = CaptureFile.pcap([TestRecord(seconds: 1, fraction: 0, data: frame)])
        bytes += Frames.le32(2) + Frames.le32(0) + Frames.le32(300_000) + Frames.le32(300_000) + [UInt8](repeating: 0, count: 64)
        let path = CaptureFile.temporary(bytes)
        var reader = try MappedCaptureReader(path: path)
        #expect(readAll(&reader).count == 1)
        #expect(reader.issues.first?.kind == .caplenTooLarge)
        var lib = try LibpcapReader(path: path)
        #expect(readAll(&lib).count == 1)
        #expect(lib.issues.first?.kind == .caplenTooLarge)
    }

    @Test("zero-length records are read as packets")
    func zeroLength() throws {
        let path = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 1, fraction: 0, data: []),
                                                           TestRecord(seconds: 2, fraction: 0, data: frame)]))
        let report = try analyzeJSON([path])
        #expect(report.capture["packets"] as? Int == 2)
        #expect((report.capture["decode_errors"] as? [String: Int])?["link_truncated"] == 1)
    }

    @Test("bad magic and empty files are refused with the file named")
    func refused() throws {
        let junk = CaptureFile.temporary(Array("hello, this is not a capture".utf8))
        #expect(throws: CaptureIssue.self) { try MappedCaptureReader(path: junk) }
        do {
            _ = try MappedCaptureReader(path: junk)
        } catch {
            #expect(error.kind == .badMagic && error.description.contains(junk))
        }
        let empty = CaptureFile.temporary([])
        #expect(throws: CaptureIssue.self) { try MappedCaptureReader(path: empty) }
        #expect(throws: CaptureIssue.self) { try LibpcapReader(path: junk) }
    }

    @Test("pcapng: a packet before any interface description, and a bad block length")
    func pcapngDamaged() throws {
        let section = CaptureFile.pcapngSection(interfaces: [], packets: [(0, 1, frame)])
        var reader = try MappedCaptureReader(path: CaptureFile.temporary(section, suffix: ".pcapng"))
        #expect(readAll(&reader).isEmpty)
        #expect(reader.issues.first?.kind == .packetBeforeInterface)

        var bad = CaptureFile.pcapngSection(interfaces: [.init()], packets: [(0, 1, frame)])
        bad += Frames.le32(6) + Frames.le32(13) + [0, 0, 0, 0, 0]
        var r2 = try MappedCaptureReader(path: CaptureFile.temporary(bad, suffix: ".pcapng"))
        #expect(readAll(&r2).count == 1)
        #expect(r2.issues.first?.kind == .badBlockLength)
    }

    @Test("pcapng: a timestamp before 1970 or after 2262 skips its packet with a counted warning; the flow's duration is the others'")
    func timestampOutOfRange() throws {
        let t: UInt64 = 1_772_442_000_000_000_000
        let other = Frames.udp4("10.0.0.3", 5000, "10.0.0.4", 6000)
        // Packet 2 has its top bit flipped (Int64 would make it 1734); packet 4 is 2^64 - 1 ns (past 2262).
        let section = CaptureFile.pcapngSection(interfaces: [.init(tsresol: 9)],
                                                packets: [(0, t, frame), (0, t | 1 << 63, other), (0, t + 1_000_000_000, frame), (0, UInt64.max, frame)])
        let path = CaptureFile.temporary(section, suffix: ".pcapng")
        var reader = try MappedCaptureReader(path: path)
        let p = readAll(&reader)
        #expect(p.map(\.ts) == [Int64(t), Int64(t) + 1_000_000_000])
        #expect(p.map(\.number) == [1, 3])
        // Section header 28 bytes, interface block 32 (if_tsresol and opt_endofopt), packet blocks 80 each.
        #expect(reader.issues.count == 1)
        #expect(reader.issues.first?.kind == .timestampOutOfRange && reader.issues.first?.packet == 2)
        #expect(reader.issues.first?.offset == 140 && reader.issues.first?.count == 2 && reader.issues.first?.fatal == false)
        #expect(TimestampScale(decimalExponent: 6).nanoseconds(UInt64(Int64.max) / 1000 + 1) == nil)
        #expect(TimestampScale(binaryExponent: 1).nanoseconds(UInt64.max) == nil)

        let report = try analyzeJSON([path])
        let flows = try #require(report["flows"] as? [[String: Any]])
        #expect(flows.count == 1 && flows.first?["duration"] as? Int == 1000 && flows.first?["orig_pkts"] as? Int == 2)
        let warnings = (report["capture"] as? [String: Any])?["warnings"] as? [[String: Any]]
        #expect(warnings?.first?["code"] as? String == "timestamp_out_of_range")
    }

    @Test("pcapng timestamp units: decimal and binary resolutions")
    func timestampScale() {
        #expect(TimestampScale(decimalExponent: 6).nanoseconds(1_500_000) == 1_500_000_000)
        #expect(TimestampScale(decimalExponent: 9).nanoseconds(42) == 42)
        #expect(TimestampScale(decimalExponent: 12).nanoseconds(5_000_000) == 5_000)
        #expect(TimestampScale(binaryExponent: 10).nanoseconds(1024 * 3 + 512) == 3_500_000_000)
        // 2^-29 s units: 18,446,744,073 s is 18,446,744,073,000,000,000 ns (below 2^64), and a
        // fraction of 0.75 s (402,653,184 units) takes it past 2^64 - 1 = 18,446,744,073,709,551,615:
        // refused, where a wrapping sum read it as 40,448,384 ns (1970).
        #expect(TimestampScale(binaryExponent: 29).nanoseconds(18_446_744_073 << 29 | 402_653_184) == nil)
        #expect(TimestampScale(binaryExponent: 29).nanoseconds(9_000_000_000 << 29 | 268_435_456) == 9_000_000_000_500_000_000)
    }
}
