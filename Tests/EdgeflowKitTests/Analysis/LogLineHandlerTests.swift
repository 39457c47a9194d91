import Foundation
import Logging
import Synchronization
import Testing
import EdgeflowKit

/// `live`'s diagnostic lines. The logfmt expectations follow the format's reference encoder
/// (github.com/go-logfmt/logfmt): a value is bare unless it is empty or holds a space, `=`,
/// `"`, a backslash or a control character; quoted values escape `"` and `\` and write
/// control characters as `\n`, `\r`, `\t` or `\u00XX`. JSON lines are read back with
/// Foundation's parser.
@Suite("Log lines")
struct LogLineHandlerTests {
    /// The lines a logger wrote.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// A logger whose lines are kept, with the clock at 2026-03-02T09:00:00.5Z.
    static func logger(_ format: LogFormat, level: Logger.Level = .info) -> (Logger, Lines) {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            LogLineHandler(format: format, level: level, clock: { 1_772_442_000_500_000_000 }) { lines.append($0) }
        }
        return (logger, lines)
    }

    @Test("logfmt: bare and quoted values, escapes, keys sorted after ts, level and msg, one newline-ended line per message")
    func logfmt() {
        let (logger, lines) = Self.logger(.logfmt)
        logger.info("capture started", metadata: [
            "interface": "eth0", "filter": "port 53", "quote": "a\"b\\c", "empty": "", "nl": "x\ny",
            "eq": "a=b", "ctl": "\u{1}\t\r", "packets": .stringConvertible(1234), "utf8": "café",
        ])
        logger.warning("plain")
        #expect(lines.all == [
            #"ts=2026-03-02T09:00:00.500000Z level=info msg="capture started" ctl="\u0001\t\r" empty="" eq="a=b" "#
                + #"filter="port 53" interface=eth0 nl="x\ny" packets=1234 quote="a\"b\\c" utf8=café"# + "\n",
            "ts=2026-03-02T09:00:00.500000Z level=warning msg=plain\n",
        ])
    }

    @Test("capture text in a line: C1 controls (U+009B, a terminal's CSI) are escaped as C0 ones; a Bool is a JSON boolean")
    func hostileAndBool() throws {
        let (logger, lines) = Self.logger(.logfmt)
        logger.info("m", metadata: ["sni": "a\u{9B}31mb\u{1B}c"])
        #expect(lines.all == [#"ts=2026-03-02T09:00:00.500000Z level=info msg=m sni="a\u009b31mb\u001bc""# + "\n"])
        let (json, jsonLines) = Self.logger(.json)
        json.info("capture started", metadata: ["promiscuous": .stringConvertible(true), "name": "true"])
        #expect(jsonLines.all == [#"{"ts":"2026-03-02T09:00:00.500000Z","level":"info","msg":"capture started","name":"true","promiscuous":true}"# + "\n"])
    }

    @Test("logfmt: a key cannot break the line: space, = and quote become _, an empty key is _")
    func logfmtKeys() {
        let (logger, lines) = Self.logger(.logfmt)
        logger.info("m", metadata: ["a b": "1", "c=d": "2", "e\"f": "3", "": "4"])
        #expect(lines.all == ["ts=2026-03-02T09:00:00.500000Z level=info msg=m _=4 a_b=1 c_d=2 e_f=3\n"])
    }

    @Test("the level: messages below it are dropped, at and above it written")
    func levels() {
        let (logger, lines) = Self.logger(.logfmt, level: .warning)
        logger.debug("d")
        logger.info("capture started")
        logger.notice("n")
        logger.warning("packets dropped")
        logger.error("e")
        logger.critical("c")
        #expect(lines.all.map { $0.split(separator: " ")[1] } == ["level=warning", "level=error", "level=critical"])
        let (trace, all) = Self.logger(.json, level: .trace)
        trace.trace("t")
        trace.debug("d")
        #expect(all.all.count == 2)
    }

    @Test("json: one valid object per line; integers as numbers, other values as strings, control characters round-trip")
    func json() throws {
        var (logger, lines) = Self.logger(.json)
        logger[metadataKey: "interface"] = "eth0"
        logger.info("capture stopped", metadata: [
            "packets": .stringConvertible(42), "reason": "duration", "odd": "tab\there \"q\" \u{1}\\",
            "msg": "ignored: the message keeps its key", "list": ["a", "b"],
        ])
        logger.error("bad --filter", error: CancellationError())
        let all = lines.all
        #expect(all.count == 2 && all.allSatisfy { $0.hasSuffix("}\n") && $0.filter { $0 == "\n" }.count == 1 })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(all[0].utf8)) as? [String: Any])
        #expect(first["ts"] as? String == "2026-03-02T09:00:00.500000Z")
        #expect(first["level"] as? String == "info")
        #expect(first["msg"] as? String == "capture stopped")
        #expect(first["interface"] as? String == "eth0")
        #expect((first["packets"] as? NSNumber)?.intValue == 42 && !(first["packets"] is String))
        #expect(first["reason"] as? String == "duration")
        #expect(first["odd"] as? String == "tab\there \"q\" \u{1}\\")
        #expect(first["list"] as? String == #"["a", "b"]"#)
        #expect(Set(first.keys) == ["ts", "level", "msg", "interface", "packets", "reason", "odd", "list"])
        #expect(all[0].hasPrefix(#"{"ts":"2026-03-02T09:00:00.500000Z","level":"info","msg":"capture stopped","#))
        let second = try #require(try JSONSerialization.jsonObject(with: Data(all[1].utf8)) as? [String: Any])
        #expect(second["level"] as? String == "error" && second["error"] as? String == "CancellationError()")
    }
}
