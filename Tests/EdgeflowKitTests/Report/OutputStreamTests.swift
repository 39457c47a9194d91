import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Output file: written whole or not at all")
struct OutputStreamTests {
    /// A run that fails gives its report up at once, even while another reference (a report
    /// writer's thread) still holds the stream: no hidden temporary file stays beside the target.
    @Test("abandon removes the temporary file and keeps the target as it was, whoever still holds the stream")
    func abandonWithAnotherHolder() throws {
        let dir = scratchPath("abandon")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/report.json"
        try Data("the previous report\n".utf8).write(to: URL(fileURLWithPath: target))
        let stream = try OutputStream(path: target)
        let holder = [stream]   // the second reference: deinit cannot be what cleans up
        stream.write(Array(repeating: UInt8(ascii: "x"), count: 1 << 20))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)
        stream.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.json"])
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "the previous report\n")
        // Closing afterwards changes nothing.
        try holder[0].close()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "the previous report\n")
    }

    @Test("bytes written through follow what was buffered, and what is written after follows them")
    func writeThrough() throws {
        let dir = scratchPath("through")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stream = try OutputStream(path: dir + "/report.json")
        let big = Array(repeating: UInt8(ascii: "y"), count: 200_000)
        stream.write("a")
        [UInt8]("bcd".utf8).withUnsafeBufferPointer { stream.writeThrough($0) }
        stream.write("e")
        big.withUnsafeBufferPointer { stream.writeThrough($0) }
        [UInt8]().withUnsafeBufferPointer { stream.writeThrough($0) }
        stream.write("f")
        try stream.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/report.json")) == Data("abcde".utf8 + big + "f".utf8))
    }

    @Test("a file that did not exist is not created by a run that fails")
    func abandonNewFile() throws {
        let dir = scratchPath("abandon-new")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stream = try OutputStream(path: dir + "/report.json")
        stream.write(Array("{}".utf8))
        stream.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}

@Suite("Output file: a failed first flush in place")
struct OutputStreamTruncateFailureTests {
    /// A file reached through a symbolic link is written in place and truncated at its first flush. When that fails, `withRoom` must never
    /// let a record start where it does not fit (`flush` drops the buffer, and `withRoom` writes
    /// nothing after a flush of its own failed: the test fails only when both are gone). The
    /// stream's descriptor is swapped for a pipe's (`dup2`), on which `ftruncate` fails with
    /// EINVAL, as it fails with EPERM on an append-only file.
    @Test("records written in place after the truncation failed always fit, and nothing goes out")
    func truncateFails() throws {
        let dir = scratchPath("truncate-fails")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/report.ndjson"
        try Data("the previous report\n".utf8).write(to: URL(fileURLWithPath: target))
        // A link is written through, in place, and its file truncated (a rotated or live run's
        // file is moved aside instead).
        let link = dir + "/link.ndjson"
        #expect(symlink(target, link) == 0)
        let stream = try OutputStream(path: link)
        // The stream's descriptor: the one of this process's that names the target.
        let real = try #require(realpath(target, nil).map { p in defer { free(p) }; return String(cString: p) })
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        let fd = try #require(fds.first { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == real })
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        // Non-blocking: were the truncation skipped, writes would fail (EAGAIN) instead of filling the pipe for ever.
        #expect(fcntl(ends[1], F_SETFL, O_NONBLOCK) == 0)
        #expect(dup2(ends[1], fd) == fd)
        close(ends[1])

        let record = 1_000
        var calls = 0
        for _ in 0..<200 {   // 200 KB through a 64 KB buffer: several flushes after the failure
            stream.withRoom(record) { c in
                calls += 1
                #expect(stream.buffered + record <= OutputStream.roomLimit)
                for _ in 0..<record { c.byte(UInt8(ascii: "r")) }
            }
        }
        #expect(calls > 0)
        let failure = try #require(stream.failure)
        #expect(failure.description == "cannot write \(link): \(String(cString: strerror(EINVAL)))")
        #expect(throws: EdgeflowError.self) { try stream.close() }
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 0, "the pipe is closed and nothing reached it")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "the previous report\n")
    }
}

@Suite("Output file: a live run's file that held something is moved aside")
struct OutputStreamMoveAsideTests {
    /// A restart (systemd's Restart=on-failure) must not lose what the last run wrote: the old
    /// file goes to FILE.YYYYMMDDTHHMMSSZ, as a rotation moves it, when the first bytes go out.
    @Test("the previous file keeps its bytes under a UTC timestamp suffix; a run that writes nothing leaves it in place")
    func moveAside() throws {
        let dir = scratchPath("move-aside")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/flows.ndjson"
        try Data("the previous run\n".utf8).write(to: URL(fileURLWithPath: target))
        let idle = try OutputStream(path: target, inPlace: true)
        idle.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["flows.ndjson"])

        let stream = try OutputStream(path: target, inPlace: true)
        var moved: [String] = []
        stream.onMovedAside = { if case .success(let t) = $0 { moved.append(t) } }
        stream.write("this run\n")
        try stream.close()
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "this run\n")
        let aside = try #require(moved.first)
        #expect(moved.count == 1)
        #expect(aside.wholeMatch(of: try Regex(#".*/flows\.ndjson\.\d{8}T\d{6}Z"#)) != nil, "\(aside)")
        #expect(try String(contentsOfFile: aside, encoding: .utf8) == "the previous run\n")
        // An empty file has nothing to keep: it is written on.
        try Data().write(to: URL(fileURLWithPath: target))
        let again = try OutputStream(path: target, inPlace: true)
        again.onMovedAside = { _ in Issue.record("an empty file was moved aside") }
        again.write("x\n")
        try again.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)
    }
}
