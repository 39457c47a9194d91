import ArgumentParser
import EdgeflowKit

/// Edge addresses and Office 365 ranges, shared by `analyze` and `rules`.
struct TopologyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Access Edge external addresses or prefixes, comma-separated.", valueName: "ADDRS"))
    var accessEdge: String?

    @Option(help: ArgumentHelp("A/V Edge external addresses or prefixes, comma-separated.", valueName: "ADDRS"))
    var avEdge: String?

    @Option(help: ArgumentHelp("Web Conferencing Edge external addresses or prefixes, comma-separated.", valueName: "ADDRS"))
    var webconfEdge: String?

    @Option(help: ArgumentHelp("The Access Edge's external names (e.g. sip.contoso.com), comma-separated: its certificate must cover one, and federation SRV records should point to one.", valueName: "NAMES"))
    var accessEdgeName: String?

    @Option(help: ArgumentHelp("Settings file (TOML subset: access_edge, av_edge, webconf_edge, access_edge_name, office365, office365_vintage, udp_timeout, tcp_timeout, max_flows, fail_on); flags override it.", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("Office 365 endpoints web-service JSON to use instead of the embedded list (default: the file `edgeflow ranges update` wrote, if any).", valueName: "FILE"))
    var office365: String?

    @Option(help: ArgumentHelp("Which Office 365 ranges: auto (embedded, or the historic ranges at the capture's date when it is older), current, or a date YYYY-MM-DD.", valueName: "WHEN"))
    var office365Vintage: String?

    /// Checks the flags alone, so that a wrong one is refused with the subcommand's usage as
    /// every other flag is; `apply` checks the settings file's values the same way.
    func validate() throws {
        do {
            for (flag, name) in [(accessEdge, "--access-edge"), (avEdge, "--av-edge"), (webconfEdge, "--webconf-edge")] {
                if let flag { _ = try parsePrefixes([flag], from: name) }
            }
            if let accessEdgeName { _ = try parseNames([accessEdgeName], from: "--access-edge-name") }
            if let office365Vintage { _ = try Self.vintage(office365Vintage, origin: "--office365-vintage") }
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The config file, if one was named.
    func loadConfig() throws -> ConfigFile {
        try config.map { (p: String) throws(EdgeflowError) in try ConfigFile(path: p) } ?? ConfigFile()
    }

    /// Applies config and flags to analysis options.
    func apply(to options: inout AnalyzeOptions, config file: ConfigFile) throws {
        let lists: [(Role, String?, [String]?, String)] = [
            (.accessEdge, accessEdge, file.accessEdge, "--access-edge"),
            (.avEdge, avEdge, file.avEdge, "--av-edge"),
            (.webconfEdge, webconfEdge, file.webconfEdge, "--webconf-edge"),
        ]
        var given: [(role: Role, prefix: Prefix, origin: String)] = []
        for (role, flag, fromFile, name) in lists {
            let origin = flag != nil ? name : file.place(of: role.rawValue) + ": " + role.rawValue
            guard let items = flag.map({ [$0] }) ?? fromFile else { continue }
            let prefixes = try parsePrefixes(items, from: origin)
            options.edges[role] = prefixes
            // An address has one role: the classification of its flows depends on it.
            for p in prefixes {
                if let other = given.first(where: { $0.role != role && ($0.prefix.contains(p.address) || p.contains($0.prefix.address)) }) {
                    throw EdgeflowError("\(p) (\(origin)) and \(other.prefix) (\(other.origin)) overlap: an address is either \(other.role.named) or \(role.named), not both")
                }
                given.append((role, p, origin))
            }
        }
        if let names = accessEdgeName.map({ [$0] }) ?? file.accessEdgeName {
            let origin = accessEdgeName != nil ? "--access-edge-name" : file.place(of: "access_edge_name") + ": access_edge_name"
            options.accessEdgeNames = try parseNames(names, from: origin)
        }
        options.office365File = office365 ?? file.office365
        if office365 == nil && file.office365 != nil { options.office365Origin = file.place(of: "office365") }
        if options.office365File == nil {
            let downloaded = RangesUpdate.endpointsPath(in: RangesUpdate.defaultDirectory)
            if FileManager.default.fileExists(atPath: downloaded) { options.office365File = downloaded }
        }
        let vintageOrigin = office365Vintage != nil ? "--office365-vintage" : file.place(of: "office365_vintage") + ": office365_vintage"
        if let text = office365Vintage ?? file.office365Vintage {
            options.vintage = try Self.vintage(text, origin: vintageOrigin)
        }
    }

    /// `--office365-vintage` (or `office365_vintage`) read and checked: a day of the calendar,
    /// from the oldest published list to today (a later day's ranges are not known yet:
    /// likely a typo, refused rather than taken as today's).
    static func vintage(_ text: String, origin: String) throws(EdgeflowError) -> Office365Vintage {
        guard let v = Office365Vintage(text) else {
            let date = text.count == 10 && text.filter(\.isNumber).count == 8
            throw EdgeflowError("\(origin) takes auto, current or a date YYYY-MM-DD, not \"\(text)\"" + (date ? " (no such day in the calendar)" : ""))
        }
        guard case .day(let day) = v else { return v }
        if day < Office365Ranges.oldestDay {
            let oldest = TimeFormat.date(days: Office365Ranges.oldestDay)
            throw EdgeflowError("\(origin) \(text) is earlier than the oldest published Office 365 ranges (\(oldest)); give \(oldest) or later")
        }
        let today = Int64(time(nil)) / 86_400
        if day > today {
            throw EdgeflowError("\(origin) \(text) is after today (\(TimeFormat.date(days: today))): Microsoft's ranges of that day are not known; give a past date, or current")
        }
        return v
    }
}

import Foundation
