import Foundation

/// Settings read from `--config edgeflow.toml`; command-line flags override them.
///
/// The file uses a subset of TOML: `key = value` lines with strings, integers, decimals
/// and arrays of strings (which may span lines), and `#` comments. Hand-written because
/// the TOML package available here (TOMLKit) depends on a package the build cannot fetch.
public struct ConfigFile: Sendable, Equatable {
    public var accessEdge: [String]? = nil
    public var avEdge: [String]? = nil
    public var webconfEdge: [String]? = nil
    public var accessEdgeName: [String]? = nil
    public var office365: String? = nil
    public var office365Vintage: String? = nil
    public var udpTimeout: Double? = nil
    public var tcpTimeout: Double? = nil
    public var maxFlows: Int? = nil
    public var failOn: String? = nil
    /// The file's name and the line each key was set on, for messages.
    public private(set) var name = "config"
    public private(set) var lines: [String: Int] = [:]

    public init() {}

    /// Where `key` was set: "FILE:LINE".
    public func place(of key: String) -> String { "\(name):\(lines[key] ?? 0)" }

    /// A setting from its flag, else from this file, checked the same way either way.
    /// - Throws: the flag, or the file and line, with the value and what it `must` be.
    public func pick<T>(_ flag: T?, _ flagName: String, _ key: String, _ field: KeyPath<ConfigFile, T?>, _ must: String,
                        _ valid: (T) -> Bool) throws(EdgeflowError) -> T? {
        if let flag {
            guard valid(flag) else { throw EdgeflowError("\(flagName) \(must), not \(flag)") }
            return flag
        }
        guard let value = self[keyPath: field] else { return nil }
        guard valid(value) else { throw EdgeflowError("\(place(of: key)): \(key) \(must), not \(value)") }
        return value
    }

    /// Reads and parses a file.
    /// - Throws: `EdgeflowError` with the file, line and what is wrong.
    /// A relative `office365` path is taken from the file's directory, as the paths in
    /// other tools' settings files are, not from the working directory.
    public init(path: String) throws(EdgeflowError) {
        if isDirectory(path) { throw EdgeflowError("config file \(path) is a directory; name the settings file (e.g. edgeflow.toml)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EdgeflowError("cannot read config file \(path); check the path")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), name: path)
        if let file = office365, !file.hasPrefix("/"), let slash = path.lastIndex(of: "/") {
            office365 = String(path[...slash]) + file
        }
    }

    /// Parses configuration text; `name` is used in messages.
    public init(text: String, name: String) throws(EdgeflowError) {
        self.name = name
        var pending = "", startLine = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if pending.isEmpty { startLine = index + 1 }
            guard !line.isEmpty || !pending.isEmpty else { continue }
            pending += (pending.isEmpty ? "" : " ") + line
            // An array may continue on the following lines until its bracket closes.
            if pending.filter({ $0 == "[" }).count > pending.filter({ $0 == "]" }).count { continue }
            try apply(pending, line: startLine)
            pending = ""
        }
        if !pending.isEmpty { throw EdgeflowError("\(name):\(startLine): unterminated array (missing ])") }
    }

    private static func stripComment(_ line: String) -> String {
        var inString = false
        for (i, ch) in line.enumerated() {
            if ch == "\"" { inString.toggle() }
            if ch == "#" && !inString { return String(line.prefix(i)) }
        }
        return line
    }

    private mutating func apply(_ statement: String, line: Int) throws(EdgeflowError) {
        let place = "\(name):\(line)"
        guard let eq = statement.firstIndex(of: "=") else { throw EdgeflowError("\(place): expected key = value") }
        let key = statement[..<eq].trimmingCharacters(in: .whitespaces)
        if let first = lines[key] { throw EdgeflowError("\(place): \(key) is set again (first on line \(first)); keep one") }
        lines[key] = line
        let value = statement[statement.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        func strings() throws(EdgeflowError) -> [String] {
            if value.hasPrefix("[") {
                guard value.hasSuffix("]") else { throw EdgeflowError("\(place): \(key): expected an array of strings") }
                let inner = value.dropFirst().dropLast()
                var out: [String] = []
                for item in inner.split(separator: ",") {
                    let t = item.trimmingCharacters(in: .whitespaces)
                    if t.isEmpty { continue }
                    out.append(try Self.string(t, place: place, key: key))
                }
                return out
            }
            return try Self.string(value, place: place, key: key).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func string() throws(EdgeflowError) -> String { try Self.string(value, place: place, key: key) }
        func number() throws(EdgeflowError) -> Double {
            guard let v = Double(value.replacingOccurrences(of: "_", with: "")) else {
                throw EdgeflowError("\(place): \(key): expected a number, found \(value)")
            }
            return v
        }
        switch key {
        case "access_edge": accessEdge = try strings()
        case "av_edge": avEdge = try strings()
        case "webconf_edge": webconfEdge = try strings()
        case "access_edge_name": accessEdgeName = try strings()
        case "office365": office365 = try string()
        case "office365_vintage": office365Vintage = try string()
        case "udp_timeout": udpTimeout = try number()
        case "tcp_timeout": tcpTimeout = try number()
        case "max_flows":
            guard let n = Int(exactly: try number()) else { throw EdgeflowError("\(place): max_flows: expected a whole number, found \(value)") }
            maxFlows = n
        case "fail_on": failOn = try string()
        default:
            throw EdgeflowError("\(place): unknown key \"\(key)\"; known keys: access_edge, av_edge, webconf_edge, access_edge_name, office365, office365_vintage, udp_timeout, tcp_timeout, max_flows, fail_on")
        }
    }

    private static func string(_ token: String, place: String, key: String) throws(EdgeflowError) -> String {
        guard token.count >= 2, token.hasPrefix("\""), token.hasSuffix("\"") else {
            throw EdgeflowError("\(place): \(key): expected a quoted string, found \(token)")
        }
        return String(token.dropFirst().dropLast())
    }
}

/// Parses a comma-separated list of addresses or CIDR prefixes.
/// - Throws: `EdgeflowError` naming the bad item and where it came from.
public func parsePrefixes(_ items: [String], from origin: String) throws(EdgeflowError) -> [Prefix] {
    var out: [Prefix] = []
    for item in items.flatMap({ $0.split(separator: ",") }) {
        let t = item.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { continue }
        guard let p = Prefix(t) else {
            throw EdgeflowError("\(origin): \"\(t)\" is not an IPv4/IPv6 address or prefix (e.g. 203.0.113.10 or 203.0.113.0/28)")
        }
        // 203.0.113.10/24 is a typo for one of two things: which, only the user knows.
        if let slash = t.firstIndex(of: "/"), let given = IPAddress(t[..<slash]), given != p.address {
            let host = t[..<slash] + (t.contains(":") ? "/128" : "/32")
            throw EdgeflowError("\(origin): \(t) has host bits set: give \(p) for the network or \(host) for the one address")
        }
        out.append(p.bits == 128 ? Prefix(host: p.address) : p)
    }
    return out
}

/// Parses a comma-separated list of DNS names (a trailing dot dropped).
/// - Throws: `EdgeflowError` naming the item that is not a host name and where it came from.
public func parseNames(_ items: [String], from origin: String) throws(EdgeflowError) -> [String] {
    var out: [String] = []
    for item in items.flatMap({ $0.split(separator: ",") }) {
        var t = item.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(".") { t.removeLast() }
        guard !t.isEmpty else { continue }
        guard isDNSName(t) else {
            throw EdgeflowError("\(origin): \"\(t)\" is not a DNS name (labels of letters, digits and inner hyphens, 1 to 63 characters each, joined by dots, e.g. sip.contoso.com)")
        }
        out.append(t)
    }
    return out
}

/// Whether `name` is a host name (RFC 1123): at most 253 characters, dot-separated labels of
/// 1 to 63 ASCII letters, digits and hyphens, no label starting or ending with a hyphen.
func isDNSName(_ name: String) -> Bool {
    guard name.utf8.count <= 253 else { return false }
    return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
        let bytes = Array(label.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
        }
    }
}
