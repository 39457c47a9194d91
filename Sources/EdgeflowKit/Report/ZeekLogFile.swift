#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Zeek log's name (`#path`) and its columns with their Zeek types.
struct ZeekLogSchema {
    var path: String
    var fields: [(name: String, type: String)]

    /// Encodes one row (`values` in column order) into `w`, newline included: tab-separated, or
    /// one JSON object.
    func encode(_ values: [ZeekValue], json: Bool, into w: inout JSONWriter) {
        w.reset()
        if json {
            w.beginObject()
            for (value, field) in zip(values, fields) { value.writeJSON(field.name, to: &w) }
            w.endObject()
        } else {
            for (i, value) in values.enumerated() {
                if i > 0 { w.append(0x09) }
                value.appendTSV(to: &w)
            }
        }
        w.append(0x0A)
    }

    /// The eight header lines of Zeek's ASCII writer, with `#open` at `opened` (ns since the epoch).
    func header(opened: Int64) -> String {
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t\(path)\n#open\t\(ZeekLogFile.stamp(opened))\n"
            + "#fields\t" + fields.map(\.name).joined(separator: "\t") + "\n"
            + "#types\t" + fields.map(\.type).joined(separator: "\t") + "\n"
    }

    /// The `#close` line at `closed` (ns since the epoch).
    static func closeLine(_ closed: Int64) -> String { "#close\t\(ZeekLogFile.stamp(closed))\n" }
}

/// One Zeek log of a run. Rows go, as they come, to an unnamed file beside the log (so memory
/// does not grow with the rows); `finish` writes the log itself: the header, the rows and
/// `#close` (TSV), or the rows alone (JSON lines). The header needs the capture's first packet
/// time (`#open`), known only once the capture is read.
final class ZeekLogFile {
    let schema: ZeekLogSchema
    private let json: Bool
    private let scratchDirectory: String
    private var rows: UnsafeMutablePointer<FILE>?
    private var w = JSONWriter(capacity: 1024)
    /// Rows written so far.
    private(set) var count = 0
    /// The first error; nothing more is written after it.
    private(set) var failure: EdgeflowError?

    /// - Parameter scratchDirectory: where the rows wait (the log's own directory, or the
    ///   system's temporary directory for a log written to a stream).
    init(_ schema: ZeekLogSchema, json: Bool, scratchDirectory: String) {
        self.schema = schema
        self.json = json
        self.scratchDirectory = scratchDirectory
    }

    deinit { if let rows { fclose(rows) } }

    /// Appends one row; `values` are in the schema's column order.
    func write(_ values: [ZeekValue]) {
        guard failure == nil, let rows = rows ?? openRows() else { return }
        schema.encode(values, json: json, into: &w)
        let bytes = w.bytes
        if fwrite(bytes.baseAddress, 1, bytes.count, rows) != bytes.count { fail("cannot write the rows of \(schema.path).log") }
        count += 1
    }

    /// Writes the whole log to `output`: the header with `#open` at `opened`, the rows, and
    /// `#close` at `closed` (both nanoseconds since the epoch). Does not close `output`.
    func finish(to output: OutputStream, opened: Int64, closed: Int64) throws(EdgeflowError) {
        if let failure { throw failure }
        if !json { output.write(schema.header(opened: opened)) }
        if let rows {
            fflush(rows)
            rewind(rows)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, rows) }
                if n > 0 { chunk.withUnsafeBufferPointer { output.write(UnsafeBufferPointer(rebasing: $0[..<n])) } }
                if n < chunk.count { break }
            }
            if ferror(rows) != 0 { fail("cannot read back the rows of \(schema.path).log") }
        }
        if let failure { throw failure }
        if !json { output.write(ZeekLogSchema.closeLine(closed)) }
    }

    /// Zeek's `#open`/`#close` form, `%Y-%m-%d-%H-%M-%S` (here in UTC).
    static func stamp(_ ns: Int64) -> String {
        String(TimeFormat.iso8601(ns).prefix(19).map { $0 == "T" || $0 == ":" ? "-" : $0 })
    }

    /// An unnamed file in the scratch directory (created, then unlinked at once).
    private func openRows() -> UnsafeMutablePointer<FILE>? {
        var template = Array((scratchDirectory + "/." + schema.path + ".log.edgeflow-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            fail("cannot make a scratch file for \(schema.path).log in \(scratchDirectory)")
            return nil
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard let f = fdopen(fd, "w+") else {
            _ = close(fd)
            fail("cannot open a scratch file for \(schema.path).log")
            return nil
        }
        rows = f
        return f
    }

    private func fail(_ what: String) {
        guard failure == nil else { return }
        failure = EdgeflowError("\(what): \(String(cString: strerror(errno))); check the disk has room and the directory is writable")
    }
}
