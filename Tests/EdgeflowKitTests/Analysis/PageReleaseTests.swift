import Foundation
import Testing
@testable import EdgeflowKit

/// A sharded run's calling thread drops the pages of a mapped file behind it; a worker lagging
/// further behind must find the pages of its batches still there, or it maps them back for good
/// (they were never dropped again, and resident memory grew with the file). The calling
/// thread's reader keeps the pages from the oldest batch a worker has not done on
/// (`MappedFile.keep(from:)`).
@Suite("Pages kept for lagging workers")
struct PageReleaseTests {
    /// `count` UDP records of `size` bytes each (a 16-byte record header before each), one
    /// second apart from `start`.
    static func capture(count: Int, size: Int, start: UInt32 = 1_000) -> [UInt8] {
        let frame = Frames.udp4("192.0.2.1", 5000, "198.51.100.2", 3478, payload: [UInt8](repeating: 7, count: size - 42))
        return CaptureFile.pcap((0..<count).map { TestRecord(seconds: start + UInt32($0), fraction: 0, data: frame) })
    }

    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    @Test("the reader drops pages up to the kept offset only, and on once it moves")
    func keepBounds() throws {
        let path = CaptureFile.temporary(Self.capture(count: 200, size: 1_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path, releaseStep: 4_096, releaseLag: 4_096)
        var reader = try MappedCaptureReader(file: file, name: path)
        file.keep(from: 50_000)
        var packets = 0
        while reader.next() != nil {
            packets += 1
            #expect(file.releasedUpTo <= 50_000)
        }
        #expect(packets == 200)
        // The pages wholly before the kept offset went.
        #expect(file.releasedUpTo == 50_000 / Self.page * Self.page)
        // Kept no more: the next look, a step further on, drops up to the lag behind the reader.
        file.keep(from: .max)
        let size = 24 + 200 * (16 + 1_000)
        file.release(before: size + 4_096)
        #expect(file.releasedUpTo == size / Self.page * Self.page)
    }

    @Test("a reader that drops elsewhere hands every page it frees on once, in order, and drops none itself")
    func dropsElsewhere() throws {
        let path = CaptureFile.temporary(Self.capture(count: 200, size: 1_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path, releaseStep: 4_096, releaseLag: 4_096)
        var reader = try MappedCaptureReader(file: file, name: path)
        let lease = reader.lease
        lease.dropElsewhere()
        #expect(lease.takeDrops().isEmpty)
        var handed: [Range<Int>] = []
        while reader.next() != nil {
            let r = lease.takeDrops()
            if !r.isEmpty { handed.append(r) }
            #expect(lease.takeDrops().isEmpty)
        }
        // The reader may free pages in the call that finds no more records.
        let last = lease.takeDrops()
        if !last.isEmpty { handed.append(last) }
        // Contiguous from the file's start up to what the reader freed, page-aligned.
        let size = 24 + 200 * (16 + 1_000)
        #expect(handed.first?.lowerBound == 0)
        #expect(handed.last?.upperBound == file.releasedUpTo)
        #expect(file.releasedUpTo > 0 && file.releasedUpTo <= (size - 4_096) / Self.page * Self.page)
        #expect(zip(handed, handed.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(handed.allSatisfy { $0.lowerBound % Self.page == 0 && $0.upperBound % Self.page == 0 })
        #if os(Linux)
        // The reader dropped none: every page it read is still mapped in the process (the
        // kernel's resident count of the mapping), until the ranges handed on are dropped.
        let base = try #require(file.base)
        let resident = try Self.residentBytes(at: base)
        #expect(resident >= file.releasedUpTo)
        #endif
        // Dropped, they leave the process, and are read again from the file.
        let bytes = UnsafeRawBufferPointer(start: file.base, count: file.size)
        let before = Array(bytes[24..<1_040])
        for r in handed { lease.drop(r) }
        #if os(Linux)
        #expect(try Self.residentBytes(at: base) <= resident - file.releasedUpTo)
        #endif
        #expect(Array(bytes[24..<1_040]) == before)
    }

    #if os(Linux)
    /// The bytes of the mapping holding `address` present in this process (`Rss` in
    /// `/proc/self/smaps`, in kB).
    static func residentBytes(at address: UnsafeRawPointer) throws -> Int {
        let field = try #require(try LargePagesTests.field("Rss:", at: address))
        return try #require(Int(field.split(separator: " ").first ?? "")) * 1_024
    }
    #endif
}
