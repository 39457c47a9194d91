import Foundation
import Testing
@testable import EdgeflowKit

/// Each thread of a sharded run reads the capture on a mapping of its own and drops that
/// mapping's pages behind it (`MappedFile.init(again:)`): a thread far behind another must
/// still read every byte, and find its own pages untouched by the other's dropping.
@Suite("Pages dropped per mapping")
struct PageReleaseTests {
    /// `count` UDP records of `size` bytes each (a 16-byte record header before each), one
    /// second apart from `start`.
    static func capture(count: Int, size: Int, start: UInt32 = 1_000) -> [UInt8] {
        let frame = Frames.udp4("192.0.2.1", 5000, "198.51.100.2", 3478, payload: [UInt8](repeating: 7, count: size - 42))
        return CaptureFile.pcap((0..<count).map { TestRecord(seconds: start + UInt32($0), fraction: 0, data: frame) })
    }

    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    @Test("a second mapping reads every packet after the first dropped its pages, and drops only its own")
    func ownMapping() throws {
        let path = CaptureFile.temporary(Self.capture(count: 200, size: 1_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try MappedFile(path: path, releaseStep: 4_096, releaseLag: 4_096)
        let second = try MappedFile(again: first, releaseStep: 4_096, releaseLag: 4_096)
        #expect(second.size == first.size && second.base != first.base)
        var a = try MappedCaptureReader(file: first, name: path)
        var seen: [(Int64, [UInt8])] = []
        while let p = a.next() { seen.append((p.timestamp, Array(p.bytes))) }
        let size = 24 + 200 * (16 + 1_000)
        // The first reader dropped its pages up to a step and its lag behind the end...
        #expect(first.releasedUpTo > size - 3 * 4_096 - Self.page)
        // ... and the second mapping none.
        #expect(second.releasedUpTo == 0)
        var b = try MappedCaptureReader(file: second, name: path)
        var k = 0
        while let p = b.next() {
            #expect(k < seen.count && p.timestamp == seen[k].0 && Array(p.bytes) == seen[k].1, "packet \(k + 1)")
            k += 1
        }
        #expect(k == 200)
        #expect(second.releasedUpTo == first.releasedUpTo)
    }
}
