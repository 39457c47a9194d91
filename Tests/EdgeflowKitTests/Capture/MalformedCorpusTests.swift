import Foundation
import Testing
@testable import EdgeflowKit

/// The malformed-capture corpus (Captures/malformed, made by Scripts/gen_malformed_captures.py)
/// against the expectations written by hand in Captures/malformed/expected.tsv, with both readers.
@Suite("malformed capture corpus")
struct MalformedCorpusTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        var file: String
        var check: String
        var expected: String
        var testDescription: String { "\(file): \(check) = \(expected)" }
    }

    static let directory = repositoryRoot + "/Captures/malformed"

    static let expectations: [Expectation] = {
        guard let text = try? String(contentsOfFile: directory + "/expected.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return c.count >= 3 ? Expectation(file: c[0], check: c[1], expected: c[2]) : nil
        }
    }()

    @Test("the manifest names every file of the corpus, and only those")
    func manifestCoversCorpus() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        #expect(files.count >= 18)
        #expect(Set(files) == Set(Self.expectations.map(\.file)))
    }

    @Test("each file gives its expected error or counter", arguments: expectations, [ReaderChoice.mmap, .libpcap])
    func expectation(_ e: Expectation, reader: ReaderChoice) throws {
        var e = e
        if let colon = e.check.firstIndex(of: ":") {
            guard e.check[..<colon] == reader.rawValue else { return }
            e.check = String(e.check[e.check.index(after: colon)...])
        }
        let path = Self.directory + "/" + e.file
        if e.check == "error" {
            #expect {
                _ = try analyzeJSON([path], reader: reader)
            } throws: { error in
                guard let error = error as? EdgeflowError else { return false }
                return error.description.contains(e.file) && error.description.contains(e.expected)
            }
            return
        }
        let report = try analyzeJSON([path], reader: reader)
        if e.check == "warning" {
            let warnings = report.capture["warnings"] as! [[String: Any]]
            let seen = warnings.map { "\($0["code"]!)@\($0["packet"]!):\($0["offset"]!)" }
            if reader == .libpcap {
                // libpcap reports the code and the packet; byte offsets are edgeflow's own reader's.
                let code = String(e.expected.split(separator: "@")[0])
                #expect(warnings.contains { $0["code"] as? String == code } || e.expected.hasPrefix("caplen_above_snaplen"),
                        "\(seen)")
            } else {
                #expect(seen.contains(e.expected), "\(seen)")
            }
            return
        }
        #expect(Self.lookup(e.check, in: report).map { "\($0)" } == e.expected)
    }

    /// Follows a path such as `capture.decode_errors.vlan_too_deep`, `flows[0].tls.malformed[0].reason`
    /// or `capture.warnings.count` through the report.
    static func lookup(_ path: String, in report: Any) -> Any? {
        var node: Any? = report
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var index: Int? = nil
            if let open = part.firstIndex(of: "["), part.hasSuffix("]") {
                name = part[..<open]
                index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)])
            }
            if name == "count", let array = node as? [Any] { node = array.count; continue }
            node = (node as? [String: Any])?[String(name)]
            if let index {
                guard let array = node as? [Any], index < array.count else { return nil }
                node = array[index]
            }
        }
        return node
    }
}

@Suite("unreadable inputs")
struct UnreadableInputTests {
    @Test("a file that cannot be read leaves an existing report as it was, and no temporary file beside it")
    func noPartialReport() throws {
        let dir = scratchPath("partial")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/report.json"
        try Data("previous report\n".utf8).write(to: URL(fileURLWithPath: out))
        var options = AnalyzeOptions(paths: [MalformedCorpusTests.directory + "/bad-magic.pcap"])
        options.format = .json
        do {
            let stream = try OutputStream(path: out)
            #expect(throws: EdgeflowError.self) { try AnalyzeJob(options: options).run(output: stream) { _ in } }
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous report\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.json"])
    }
}
