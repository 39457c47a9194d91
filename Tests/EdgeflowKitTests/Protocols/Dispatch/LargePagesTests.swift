#if os(Linux)
import Foundation
import Testing
@testable import EdgeflowKit

/// `LargePages.advise` marks the whole huge pages of a range for transparent huge pages, which
/// the kernel shows as the `hg` flag of the mapping in `/proc/self/smaps`.
@Suite("Large pages")
struct LargePagesTests {
    /// The `VmFlags` of the mapping that holds `address`, from `/proc/self/smaps`.
    static func flags(at address: UnsafeRawPointer) throws -> [Substring] {
        try field("VmFlags:", at: address)?.split(separator: " ") ?? []
    }

    /// The value of the mapping's `name` line (`"Rss:"`, `"VmFlags:"`) for the mapping that
    /// holds `address`, from `/proc/self/smaps`; nil when no mapping holds it.
    static func field(_ name: String, at address: UnsafeRawPointer) throws -> Substring? {
        let a = UInt(bitPattern: address)
        var inside = false
        for line in String(decoding: try Self.smaps(), as: UTF8.self).split(separator: "\n") {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            if range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16) {
                inside = lo <= a && a < hi
            } else if inside, line.hasPrefix(name) {
                return line.dropFirst(name.count)
            }
        }
        return nil
    }

    /// `/proc/self/smaps`, read until the end of the file (a file of /proc tells no size).
    static func smaps() throws -> [UInt8] {
        let fd = open("/proc/self/smaps", O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return bytes }
            bytes += chunk[..<n]
        }
    }

    @Test("a range holding whole huge pages is advised for them; a range holding none is left alone",
          .enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled")))
    func advised() throws {
        let size = PageAdvice.hugePageSize
        // Eight huge pages' worth, so that six whole ones lie inside whatever the alignment.
        guard let mapped = mmap(nil, 8 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED else {
            Issue.record("cannot map \(8 * size) bytes")
            return
        }
        defer { munmap(mapped, 8 * size) }
        let aligned = mapped + ((size - Int(bitPattern: mapped) % size) % size)
        #expect(!(try Self.flags(at: aligned)).isEmpty, "the mapping is found in /proc/self/smaps")
        // From just past a huge page's start to just before the next one's end: no whole huge page.
        PageAdvice.huge(aligned + 4096, bytes: 2 * size - 8192)
        #expect(!(try Self.flags(at: aligned + 4096)).contains("hg"))
        PageAdvice.huge(aligned + size + 4096, bytes: 4 * size)
        #expect(!(try Self.flags(at: aligned + size + 4096)).contains("hg"))
        #expect(try Self.flags(at: aligned + 2 * size).contains("hg"))
        #expect(try Self.flags(at: aligned + 4 * size + 4095).contains("hg"))
        #expect(!(try Self.flags(at: aligned + 5 * size)).contains("hg"))
    }
}
#endif
