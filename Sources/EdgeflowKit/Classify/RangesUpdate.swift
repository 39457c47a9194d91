import Foundation

/// Downloads the current Skype service-area ranges from the Office 365 endpoints web
/// service into a directory (by default the user's config directory), where
/// `edgeflow analyze` and `edgeflow rules` pick them up.
public enum RangesUpdate {
    /// Microsoft's web service, worldwide instance.
    public static let defaultBaseURL = "https://endpoints.office.com"

    /// `$XDG_CONFIG_HOME/edgeflow`, else `~/.config/edgeflow`.
    public static var defaultDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/edgeflow" }
        return (env["HOME"] ?? ".") + "/.config/edgeflow"
    }

    /// The endpoints file inside a directory.
    public static func endpointsPath(in directory: String) -> String { directory + "/o365-endpoints.json" }

    /// Fetches the version and the Skype endpoint sets, checks them, and writes
    /// `o365-endpoints.json` and `o365-endpoints.json.version` into `directory`.
    /// - Returns: the version and the number of prefixes.
    /// - Throws: `EdgeflowError` saying which request or file failed and what to do.
    public static func run(baseURL: String = defaultBaseURL, directory: String = defaultDirectory) throws(EdgeflowError) -> (version: String, prefixes: Int) {
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
              url.query == nil, url.fragment == nil else {
            throw EdgeflowError("--url \(baseURL) is not an http(s) base URL (scheme and host, no query), e.g. \(defaultBaseURL)")
        }
        let baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let client = UUID().uuidString.lowercased()
        let endpointsURL = "\(baseURL)/endpoints/Worldwide?ServiceAreas=Skype&ClientRequestId=\(client)"
        let elsewhere = "fetch \(endpointsURL) on a machine that can reach it and give the file with --office365 FILE"
        let versionData = try fetch("\(baseURL)/version/Worldwide?ClientRequestId=\(client)", elsewhere: elsewhere)
        guard let object = (try? JSONSerialization.jsonObject(with: versionData)) as? [String: Any],
              let version = object["latest"] as? String else {
            throw EdgeflowError("\(baseURL)/version/Worldwide did not answer with {\"latest\": ...}; is the URL right?")
        }
        let endpoints = try fetch(endpointsURL, elsewhere: elsewhere)
        let prefixes = try Office365Ranges.skypePrefixes(fromEndpointsJSON: endpoints)
        guard !prefixes.isEmpty else { throw EdgeflowError("the endpoints answer holds no Skype addresses; nothing written") }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = endpointsPath(in: directory)
            try endpoints.write(to: URL(fileURLWithPath: path))
            try Data((version + "\n").utf8).write(to: URL(fileURLWithPath: path + ".version"))
        } catch {
            throw EdgeflowError("cannot write into \(directory): \(error.localizedDescription)")
        }
        return (version, prefixes.count)
    }

    /// The body of `url`, fetched by curl. Not URLSession: FoundationNetworking would load libcurl
    /// and some forty libraries behind it into every run of edgeflow (about 24 M instructions,
    /// 8 ms, at each start, two thirds of a small capture's analysis) for a command run now and then.
    /// - Parameter elsewhere: how to get the file without this machine reaching the service.
    private static func fetch(_ url: String, elsewhere: String) throws(EdgeflowError) -> Data {
        let hint = "check the network (or the https_proxy variable) and --url, or \(elsewhere)"
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // -q first: the user's .curlrc must not add headers, trace or output files to what is parsed here.
        curl.arguments = ["curl", "-q", "--silent", "--show-error", "--fail", "--location", "--proto", "=http,https",
                          "--max-time", "60", "--max-filesize", "67108864", "--", url]
        let body = Pipe(), message = Pipe()
        curl.standardOutput = body
        curl.standardError = message
        curl.standardInput = FileHandle.nullDevice
        do {
            try curl.run()
        } catch {
            throw EdgeflowError("\(url): cannot start curl through /usr/bin/env (\(error.localizedDescription)); \(hint)")
        }
        // With -q and --silent curl says at most a line or two on standard error (far less than a
        // pipe holds), so reading the body first cannot stall it.
        let data = body.fileHandleForReading.readDataToEndOfFile()
        let said = String(decoding: message.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        guard curl.terminationReason == .exit else {
            throw EdgeflowError("\(url): curl was stopped by signal \(curl.terminationStatus); \(hint)")
        }
        switch curl.terminationStatus {
        case 0:
            return data
        case 127:
            throw EdgeflowError("\(url): edgeflow fetches with curl, which is not installed; install it (apt-get install curl), or \(elsewhere)")
        case 28:
            throw EdgeflowError("\(url): no answer within 60 s; \(hint)")
        case let status:
            // "curl: (7) Failed to connect to ...": the words without curl's prefix and error number.
            let line = said.split(separator: "\n").first.map { $0.hasPrefix("curl: ") ? $0.dropFirst(6) : $0 }
            let reason = line.map { l in l.first == "(" ? l.drop { $0 != ")" }.dropFirst().drop { $0 == " " } : l }
                .map(String.init) ?? "curl exited with status \(status)"
            throw EdgeflowError("\(url): \(reason); \(hint)")
        }
    }
}
