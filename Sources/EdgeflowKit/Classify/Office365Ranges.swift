import Foundation

/// The Office 365 (Skype/Teams service area) address ranges a run checks against, and
/// every prefix Microsoft ever listed for the service, to tell "Microsoft, but no longer
/// published" from "not Microsoft".
public struct Office365Ranges: Sendable {
    /// The prefixes in use.
    public private(set) var current: PrefixSet
    /// Where they came from, for the report: "embedded 2025063000", a file path, or a historic date.
    public private(set) var source: String
    /// The endpoints-service version, when known.
    public private(set) var version: String?
    /// Every historic prefix with the dates it was seen listed.
    public let history: [HistoricPrefix]
    private let everListed: PrefixSet

    /// A prefix Microsoft listed for the Skype/Teams service area, with the first and last
    /// sampled list (days since 1970-01-01) that held it.
    public struct HistoricPrefix: Sendable, Equatable {
        public var prefix: Prefix
        public var firstSeen: Int64
        public var lastSeen: Int64
        public var inCurrentList: Bool
    }

    /// The version of the embedded endpoints list.
    public static let embeddedVersion = "2025063000"

    private init(current: PrefixSet, source: String, version: String?) {
        self.current = current
        self.source = source
        self.version = version
        history = Office365Ranges.allHistory
        everListed = PrefixSet(history.map(\.prefix) + current.prefixes)
    }

    /// The ranges a run uses: the given endpoints file, else the historic ranges of a pinned
    /// date, else the embedded list (`auto` may still move to the capture's date later).
    public static func select(file: String?, vintage: Office365Vintage) throws(EdgeflowError) -> Office365Ranges {
        if let file { return try load(path: file) }
        if case .day(let d) = vintage { return historic(onDay: d) }
        return embedded()
    }

    /// The list compiled into edgeflow (endpoints web service version 2025063000).
    public static func embedded() -> Office365Ranges {
        // The embedded JSON is a constant of this file; it always parses.
        let prefixes = (try? skypePrefixes(fromEndpointsJSON: Data(embeddedEndpointsJSON.utf8))) ?? []
        return Office365Ranges(current: PrefixSet(prefixes), source: "embedded \(embeddedVersion)", version: embeddedVersion)
    }

    /// The prefixes in Microsoft's lists on a date (days since 1970-01-01), from the historic samples.
    public static func historic(onDay day: Int64) -> Office365Ranges {
        let active = allHistory.filter { $0.firstSeen <= day && ($0.lastSeen >= day || $0.inCurrentList) }.map(\.prefix)
        return Office365Ranges(current: PrefixSet(active), source: "historic lists as of \(TimeFormat.date(days: day))", version: nil)
    }

    /// Loads the JSON the Office 365 endpoints web service returns (all service areas; the
    /// Skype area is used). A `PATH.version` file beside it, if present, names the version.
    /// - Throws: `EdgeflowError` naming the file and what is wrong with it.
    public static func load(path: String) throws(EdgeflowError) -> Office365Ranges {
        if isDirectory(path) {
            throw EdgeflowError("\(path) is a directory; name the Office 365 endpoints JSON file (\(expected))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EdgeflowError("cannot read Office 365 endpoints file \(path); check the path, or run `edgeflow ranges update`")
        }
        let prefixes: [Prefix]
        do {
            prefixes = try skypePrefixes(fromEndpointsJSON: data)
        } catch {
            throw EdgeflowError("\(path): \(error.description); expected \(expected)")
        }
        guard !prefixes.isEmpty else {
            throw EdgeflowError("\(path): no Skype service-area addresses found; is this the endpoints web service output?")
        }
        let version = (try? String(contentsOfFile: path + ".version", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Office365Ranges(current: PrefixSet(prefixes), source: path, version: version)
    }

    /// What `--office365` takes, for messages.
    static let expected = "Microsoft's Office 365 endpoints JSON, as `edgeflow ranges update` fetches it, or "
        + "\(RangesUpdate.defaultBaseURL)/endpoints/worldwide?clientrequestid=<any GUID> saved to a file"

    /// The IP prefixes of the Skype service area in an endpoints web-service response.
    static func skypePrefixes(fromEndpointsJSON data: Data) throws(EdgeflowError) -> [Prefix] {
        guard let sets = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw EdgeflowError("not a JSON array of endpoint sets")
        }
        var out: [Prefix] = []
        for set in sets where (set["serviceArea"] as? String) == "Skype" {
            for text in set["ips"] as? [String] ?? [] {
                guard let p = Prefix(text) else { throw EdgeflowError("bad prefix \"\(text)\" in endpoint set \(set["id"] ?? "?")") }
                if !out.contains(p) { out.append(p) }
            }
        }
        return out
    }

    public func contains(_ a: IPAddress) -> Bool { current.contains(a) }

    /// For an address outside the ranges in use that Microsoft once listed: the prefix and when.
    public func formerListing(of a: IPAddress) -> HistoricPrefix? {
        guard !current.contains(a), everListed.contains(a) else { return nil }
        return history.filter { $0.prefix.contains(a) }.max { $0.prefix.bits < $1.prefix.bits }
    }

    /// The embedded historic list, parsed once.
    private static let allHistory: [HistoricPrefix] = parseHistory()

    /// The day of the oldest published list edgeflow knows (days since 1970-01-01).
    public static let oldestDay: Int64 = allHistory.map(\.firstSeen).min() ?? 0

    /// Read in place as UTF-8 bytes, one pass over each line: every run parses the list at start
    /// (as `Character`s it cost about 35 M instructions, through `String` splits 18 M).
    private static func parseHistory() -> [HistoricPrefix] {
        var out: [HistoricPrefix] = []
        var text = historicSkypePrefixes
        text.withUTF8 { all in
            let bytes = UnsafeRawBufferPointer(all)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                if let entry = historicEntry(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) { out.append(entry) }
                start = end + 1
            }
        }
        return out
    }

    /// One line of the historic list: "PREFIX YYYYMMDD YYYYMMDD 0|1"; nil for any other line.
    private static func historicEntry(_ line: UnsafeRawBufferPointer) -> HistoricPrefix? {
        // The three fixed-width fields after the prefix: " YYYYMMDD YYYYMMDD F" (20 bytes).
        let n = line.count
        guard n > 20, line[n - 20] == UInt8(ascii: " "), line[n - 11] == UInt8(ascii: " "), line[n - 2] == UInt8(ascii: " "),
              let p = Prefix.parse(UnsafeRawBufferPointer(rebasing: line[..<(n - 20)])),
              let a = compactDay(UnsafeRawBufferPointer(rebasing: line[(n - 19)..<(n - 11)])),
              let b = compactDay(UnsafeRawBufferPointer(rebasing: line[(n - 10)..<(n - 2)])) else { return nil }
        return HistoricPrefix(prefix: p, firstSeen: a, lastSeen: b, inCurrentList: line[n - 1] == UInt8(ascii: "1"))
    }

    /// Days since 1970-01-01 of "YYYYMMDD" given as UTF-8 bytes.
    private static func compactDay(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count == 8 else { return nil }
        var v: Int64 = 0
        for b in bytes {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int64(b - UInt8(ascii: "0"))
        }
        let y = v / 10000, m = v / 100 % 100, d = v % 100
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        return TimeFormat.days(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 of "YYYYMMDD" or "YYYY-MM-DD", a day of the Gregorian calendar
    /// (2025-02-30 is none: nil, not 2025-03-02).
    public static func day(_ text: some StringProtocol) -> Int64? {
        let digits = String(text.filter(\.isNumber))
        guard digits.count == 8, let v = Int64(digits) else { return nil }
        if text.count == 10 {
            let dashes = text.enumerated().filter { $0.element == "-" }.map(\.offset)
            guard dashes == [4, 7] else { return nil }
        } else {
            guard text.count == 8 else { return nil }
        }
        let y = v / 10000, m = v / 100 % 100, d = v % 100
        guard (1...12).contains(m), d >= 1, d <= daysIn(month: m, of: y) else { return nil }
        return TimeFormat.days(year: y, month: m, day: d)
    }

    /// 28 to 31: the month's length, February's by the Gregorian leap-year rule.
    static func daysIn(month m: Int64, of y: Int64) -> Int64 {
        switch m {
        case 2: y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
