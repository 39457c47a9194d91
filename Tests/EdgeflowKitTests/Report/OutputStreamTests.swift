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
