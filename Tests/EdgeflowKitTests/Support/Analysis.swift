import Foundation
@testable import EdgeflowKit

/// Runs `edgeflow analyze` in-process with JSON output and returns the parsed report.
func analyzeJSON(_ paths: [String], reader: ReaderChoice = .mmap, merge: MergeOrder = .time,
                 configure: (inout AnalyzeOptions) -> Void = { _ in }) throws -> [String: Any] {
    let out = scratchPath("report") + ".json"
    defer { try? FileManager.default.removeItem(atPath: out) }
    var options = AnalyzeOptions(paths: paths)
    options.reader = reader
    options.merge = merge
    options.format = .json
    configure(&options)
    do {
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream) { _ in }
        try stream.close()
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: out))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// Decodes one frame.
func decode(_ bytes: [UInt8], linkType: LinkType = .ethernet, originalLength: Int? = nil) -> DecodedPacket {
    bytes.withUnsafeBytes { PacketDecoder.decode($0, originalLength: originalLength ?? bytes.count, linkType: linkType) }
}

extension Dictionary where Key == String, Value == Any {
    var capture: [String: Any] { self["capture"] as! [String: Any] }
    var flows: [[String: Any]] { self["flows"] as! [[String: Any]] }
}
