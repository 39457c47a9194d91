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
        for (role, flag, fromFile, name) in lists {
            if let flag {
                options.edges[role] = try parsePrefixes([flag], from: name)
            } else if let fromFile {
                options.edges[role] = try parsePrefixes(fromFile, from: "\(config ?? "config"): \(role.rawValue)")
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
        if let text = office365Vintage ?? file.office365Vintage {
            guard let v = Office365Vintage(text) else {
                throw ValidationError("--office365-vintage takes auto, current or a date YYYY-MM-DD, not \"\(text)\"")
            }
            options.vintage = v
        }
    }
}

import Foundation
