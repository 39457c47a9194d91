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
            options.accessEdgeNames = names.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        options.office365File = office365 ?? file.office365
        if options.office365File == nil {
            let downloaded = RangesUpdate.endpointsPath(in: RangesUpdate.defaultDirectory)
            if FileManager.default.fileExists(atPath: downloaded) { options.office365File = downloaded }
        }
        let vintageOrigin = office365Vintage != nil ? "--office365-vintage" : file.place(of: "office365_vintage") + ": office365_vintage"
        if let text = office365Vintage ?? file.office365Vintage {
            guard let v = Office365Vintage(text) else {
                throw EdgeflowError("\(vintageOrigin) takes auto, current or a date YYYY-MM-DD, not \"\(text)\"")
            }
            if case .day(let day) = v, day < Office365Ranges.oldestDay {
                let oldest = TimeFormat.iso8601(Office365Ranges.oldestDay * 86_400 * 1_000_000_000).prefix(10)
                throw EdgeflowError("\(vintageOrigin) \(text) is earlier than the oldest published Office 365 ranges (\(oldest)); give \(oldest) or later")
            }
            options.vintage = v
        }
    }
}

import Foundation
