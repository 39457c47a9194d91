/// What `edgeflow rules` prints: both port tables, the Edge addresses and the ranges in use,
/// as text for people (`text`) or as one JSON object (`json`, README "edgeflow rules").
public struct RulesListing {
    private let ranges: Office365Ranges
    private let edges: [Role: [Prefix]]
    private static let roles = [Role.accessEdge, .avEdge, .webconfEdge]

    public init(options: AnalyzeOptions) throws(EdgeflowError) {
        ranges = try options.ranges()
        edges = options.edges
    }

    /// What happens to a role no address was given for: the Web Conferencing Edge is never inferred.
    private static func unknown(_ role: Role) -> String { role == .webconfEdge ? "not given (never inferred)" : "inferred from traffic" }

    public var text: String {
        var out = "Hybrid rules (Edge ↔ Office 365), checked for every flow between an Edge role and Office 365:\n"
        out += Self.table(PortTables.hybrid)
        out += "\nEdge Server external rules (Edge ↔ other hosts):\n"
        out += Self.table(PortTables.edge)
        out += "\nEdge addresses:\n"
        for role in Self.roles {
            let list = edges[role] ?? []
            out += "  \(role.title): " + (list.isEmpty ? Self.unknown(role) : list.map(\.description).joined(separator: ", ")) + "\n"
        }
        out += "\nOffice 365 ranges: \(ranges.source)" + (ranges.version.map { " (version \($0))" } ?? "") + "\n"
        for p in ranges.current.prefixes { out += "  \(p)\n" }
        return out
    }

    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        for (key, rules) in [("hybrid_rules", PortTables.hybrid), ("edge_rules", PortTables.edge)] {
            w.beginArray(JSONKey(key))
            for r in rules {
                w.beginObject()
                r.write(to: &w)
                w.endObject()
            }
            w.endArray()
        }
        w.beginObject("edges")
        for role in Self.roles {
            w.beginObject(JSONKey(role.rawValue))
            let list = edges[role] ?? []
            w.beginArray("prefixes")
            for p in list { w.value(nil, p.description) }
            w.endArray()
            w.value("inferred_when_not_given", role != .webconfEdge)
            w.endObject()
        }
        w.endObject()
        w.beginObject("office365")
        w.value("source", ranges.source)
        w.value("version", ranges.version)
        w.beginArray("prefixes")
        for p in ranges.current.prefixes { w.value(nil, p.description) }
        w.endArray()
        w.endObject()
        w.endObject()
        return w.text
    }

    /// The rules in columns as wide as their longest value, two spaces apart.
    static func table(_ rules: [Rule]) -> String {
        let header = ["ID", "PROTOCOL", "FROM", "TO", "SRC PORTS", "DST PORTS"]
        let rows = rules.map { r in
            [r.id, "\(r.transportName) \(r.protocolName)", r.from?.title ?? "any", r.to?.title ?? "any",
             r.srcPorts.description, r.dstPorts.description]
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max()! }
        return ([header] + rows).map { row in
            "  " + row.indices.map { i in i == row.count - 1 ? row[i] : pad(row[i], widths[i] + 2) }.joined()
        }.joined(separator: "\n") + "\n"
    }

    static func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
}

extension Rule {
    /// The rule's members in the report's `rules` objects and in `edgeflow rules --format json`.
    func write(to w: inout JSONWriter) {
        w.value("id", id)
        w.value("protocol", protocolName)
        w.value("transport", transportName.lowercased())
        w.value("from", from?.rawValue ?? "any")
        w.value("to", to?.rawValue ?? "any")
        w.value("src_ports", srcPorts.description)
        w.value("dst_ports", dstPorts.description)
    }
}
