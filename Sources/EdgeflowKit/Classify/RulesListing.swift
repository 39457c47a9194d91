/// The text `edgeflow rules` prints: both port tables, the Edge addresses and the ranges in use.
public struct RulesListing {
    public let text: String

    public init(options: AnalyzeOptions) throws(EdgeflowError) {
        let ranges = try Office365Ranges.select(file: options.office365File, vintage: options.vintage)
        var out = "Hybrid rules (Edge ↔ Office 365), checked for every flow between an Edge role and Office 365:\n"
        out += Self.table(PortTables.hybrid)
        out += "\nEdge Server external rules (Edge ↔ other hosts):\n"
        out += Self.table(PortTables.edge)
        out += "\nEdge addresses:\n"
        for role in [Role.accessEdge, .avEdge, .webconfEdge] {
            let list = options.edges[role] ?? []
            out += "  \(role.title): " + (list.isEmpty ? "inferred from traffic" : list.map(\.description).joined(separator: ", ")) + "\n"
        }
        out += "\nOffice 365 ranges: \(ranges.source)" + (ranges.version.map { " (version \($0))" } ?? "") + "\n"
        for p in ranges.current.prefixes { out += "  \(p)\n" }
        text = out
    }

    static func table(_ rules: [Rule]) -> String {
        var out = "  " + pad("ID", 25) + pad("PROTOCOL", 18) + pad("FROM", 12) + pad("TO", 12) + pad("SRC PORTS", 12) + "DST PORTS\n"
        for r in rules {
            let to = r.to == .webconfEdge ? "WebConf Edge" : r.to?.title ?? "any"
            out += "  " + pad(r.id, 25) + pad("\(r.transportName) \(r.protocolName)", 18) + pad(r.from?.title ?? "any", 12)
                + pad(to, 12) + pad(r.srcPorts.description, 12) + r.dstPorts.description + "\n"
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}
