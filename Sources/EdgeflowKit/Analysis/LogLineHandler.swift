import Logging
#if canImport(Glibc)
import Glibc
#endif

/// How a diagnostic line is written.
public enum LogFormat: String, CaseIterable, Sendable {
    /// `ts=… level=info msg="capture started" interface=eth0`: one key=value pair per field,
    /// a value quoted when it holds a space, `=`, `"`, a control character or nothing.
    case logfmt
    /// One JSON object per line: `{"ts":…,"level":"info","msg":…,"interface":"eth0"}`.
    case json
}

/// A swift-log handler that writes each message as one logfmt or JSON line (journald and
/// log shippers read either), with a UTC timestamp, the level, the message, then the
/// handler's and the message's metadata (the message's win). Each line goes out in one
/// `write`, so lines from several threads never mix. For diagnostics only, never per packet.
public struct LogLineHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider? = nil
    private let format: LogFormat
    private let sink: @Sendable (String) -> Void
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - sink: takes each line, newline included (default: standard error).
    ///   - clock: nanoseconds since 1970 for `ts` (default: the wall clock).
    public init(format: LogFormat, level: Logger.Level = .info,
                clock: (@Sendable () -> Int64)? = nil,
                sink: @escaping @Sendable (String) -> Void = LogLineHandler.standardError) {
        self.format = format
        self.logLevel = level
        self.clock = clock ?? { wallClock() }
        self.sink = sink
    }

    /// Writes a line to standard error in one call.
    public static let standardError: @Sendable (String) -> Void = { line in
        var line = line
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let own = event.metadata { fields.merge(own) { $1 } }
        if let error = event.error { fields["error"] = .string("\(error)") }
        // Fields in a fixed order (sorted by key), so lines compare and grep alike run to run.
        let pairs = fields.sorted { $0.key < $1.key }
        let ts = TimeFormat.iso8601(clock())
        let level = event.level.rawValue
        let message = event.message.description
        switch format {
        case .logfmt:
            var line = "ts=\(ts) level=\(level) msg=\(Self.logfmtValue(message))"
            for (key, value) in pairs { line += " \(Self.logfmtKey(key))=\(Self.logfmtValue(Self.text(value)))" }
            sink(line + "\n")
        case .json:
            var w = JSONWriter(capacity: 256)
            w.beginObject()
            w.value("ts", ts)
            w.value("level", level)
            w.value("msg", message)
            for (key, value) in pairs where !["ts", "level", "msg"].contains(key) {
                if case .stringConvertible(let v) = value, let n = v as? any BinaryInteger, let i = Int(exactly: n) {
                    w.value(JSONKey(key), i)
                } else if case .stringConvertible(let v) = value, let b = v as? Bool {
                    w.value(JSONKey(key), b)
                } else {
                    w.value(JSONKey(key), Self.text(value))
                }
            }
            w.endObject()
            sink(w.text + "\n")
        }
    }

    /// A metadata value as text: lists and dictionaries as swift-log prints them.
    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): s
        case .stringConvertible(let v): v.description
        default: value.description
        }
    }

    /// A key as logfmt takes it: bytes that would end or split it (space, `=`, `"`, control
    /// characters) become `_`; an empty key is `_`.
    static func logfmtKey(_ key: String) -> String {
        if key.isEmpty { return "_" }
        return String(String.UnicodeScalarView(key.unicodeScalars.map { s in
            s.value <= 0x20 || s == "=" || s == "\"" || s.value == 0x7F ? "_" : s
        }))
    }

    /// A value as logfmt takes it: bare when it holds no space, `=`, `"`, `\` or control
    /// character (C0, DEL or C1) and is not empty; otherwise in double quotes with `"` and `\`
    /// escaped and control characters as `\n`, `\r`, `\t` or `\u00XX`.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && !value.unicodeScalars.contains { s in
            s.value <= 0x20 || s == "=" || s == "\"" || s == "\\" || (0x7F...0x9F).contains(s.value)
        }
        if plain { return value }
        var out = "\""
        for s in value.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where s.value < 0x20 || (0x7F...0x9F).contains(s.value):
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(s)
            }
        }
        return out + "\""
    }
}
