import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
        let hint = "check the network (or the https_proxy variable) and --url, or fetch \(endpointsURL) "
            + "on a machine that can reach it and give the file with --office365 FILE"
        let versionData = try fetch("\(baseURL)/version/Worldwide?ClientRequestId=\(client)", hint: hint)
        guard let object = (try? JSONSerialization.jsonObject(with: versionData)) as? [String: Any],
              let version = object["latest"] as? String else {
            throw EdgeflowError("\(baseURL)/version/Worldwide did not answer with {\"latest\": ...}; is the URL right?")
        }
        let endpoints = try fetch(endpointsURL, hint: hint)
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

    /// - Parameter hint: what to do when the service cannot be reached.
    private static func fetch(_ url: String, hint: String) throws(EdgeflowError) -> Data {
        guard let u = URL(string: url) else { throw EdgeflowError("bad URL \(url)") }
        final class Box: @unchecked Sendable { var data: Data?; var error: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: u) { data, response, error in
            if let error {
                box.error = error.localizedDescription
            } else if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                box.error = "HTTP status \(http.statusCode)"
            } else {
                box.data = data
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + 60) == .timedOut {
            task.cancel()
            throw EdgeflowError("\(url): no answer within 60 s; \(hint)")
        }
        guard let data = box.data else {
            throw EdgeflowError("\(url): \(box.error ?? "no data"); \(hint)")
        }
        return data
    }
}
