import Foundation
import Testing
@testable import EdgeflowKit

/// `--merge time` over two files: each packet handed out keeps its bytes until the next one is
/// asked for, whichever reader read it (libpcap reuses one buffer per file).
@Suite("Interleaved input")
struct InterleavedInputTests {
    /// File A's packets at even seconds, B's at odd ones, each frame's UDP payload naming its
    /// file and number, so the merged order and every packet's bytes are known by hand.
    private static let files: [[TestRecord]] = [
        (0..<6).map { TestRecord(seconds: 1_700_000_000 + UInt32(2 * $0), fraction: 0,
                                 data: Frames.udp4("192.0.2.1", 5000, "198.51.100.2", 3478, payload: [0xA0, UInt8($0), 0, 0])) },
        (0..<6).map { TestRecord(seconds: 1_700_000_001 + UInt32(2 * $0), fraction: 0,
                                 data: Frames.udp4("192.0.2.9", 6000, "198.51.100.7", 3478, payload: [0xB0, UInt8($0), 0, 0, 0, 0])) },
    ]

    private func merged<R: PacketReader>(_ readers: [R]) -> [[UInt8]] {
        var input = InterleavedInput(readers: readers)
        var out: [[UInt8]] = []
        while let (packet, _) = input.next() { out.append(Array(packet.bytes)) }   // read before the next call
        return out
    }

    @Test("libpcap and the mapped reader hand out the same packets, in time order, bytes intact")
    func bytesStayUntilTheNextCall() throws {
        let paths = Self.files.map { CaptureFile.temporary(CaptureFile.pcap($0)) }
        defer { for p in paths { unlink(p) } }
        let expected = (0..<6).flatMap { [Self.files[0][$0].data, Self.files[1][$0].data] }
        let libpcap = merged(try paths.map { try LibpcapReader(path: $0) })
        let mapped = merged(try paths.map { try MappedCaptureReader(path: $0) })
        #expect(libpcap == expected)
        #expect(mapped == expected)
    }
}
