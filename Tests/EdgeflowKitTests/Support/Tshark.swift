import Foundation

/// Runs `tshark -n -r PATH -T fields -E occurrence=f` (`l`: the last of a field, the innermost
/// header of a tunnelled packet) with `arguments` and returns its rows, split at tabs. Throws
/// unless tshark exits with status 0 (a bad field or filter, a capture it cannot read: status
/// 1 or 2; no tshark: `env`'s 127), its output then being empty or partial; but for a capture
/// `damagedCaptures` names, which tshark reads up to its damaged record and then exits with
/// status 2 saying so.
func tsharkFields(_ path: String, _ arguments: [String], occurrence: Character = "f") throws -> [[String]] {
    let r = try runProcess("/usr/bin/env", ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=\(occurrence)",
                                            "-E", "separator=/t"] + arguments)
    let said = String(decoding: r.stderr, as: UTF8.self)
    let status = r.exited ? r.status : -1
    let damaged = status == 2 && damagedCaptures.contains(URL(fileURLWithPath: path).lastPathComponent)
        && said.contains("appears to be damaged or corrupt")
    guard status == 0 || damaged else { throw TsharkError.exited(path, status: status, said) }
    return String(decoding: r.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
}

/// What tshark says about a capture's TCP and UDP conversations.
struct TsharkView {
    /// Every frame tshark read.
    var frames = 0
    /// Packets per conversation key ("tcp 10.0.0.1:80 10.0.0.2:5000", endpoints sorted).
    var packets: [String: Int] = [:]

    /// Runs `tshark -T fields` on `path` (the innermost headers: a tunnelled packet belongs to
    /// its inner flow; frames quoting a header inside an ICMP error are left out, as
    /// tshark's conversation table does).
    init(path: String) throws {
        let fields = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport",
                      "udp.srcport", "udp.dstport", "icmp.type", "icmpv6.type", "frame.protocols"]
        for c in try tsharkFields(path, fields.flatMap { ["-e", $0] }, occurrence: "l") {
            guard c.count >= fields.count else { continue }
            frames += 1
            guard c[9].isEmpty, c[10].isEmpty else { continue }
            // IPv6 in IPv4 (or the reverse) has both: the layer nearer the end of the chain is the inner one.
            let layers = c[11].split(separator: ":")
            let v6 = !c[2].isEmpty && (c[1].isEmpty || layers.lastIndex(of: "ipv6")! > layers.lastIndex(of: "ip")!)
            let src = v6 ? c[2] : c[1], dst = v6 ? c[4] : c[3]
            let proto = !c[5].isEmpty ? "tcp" : !c[7].isEmpty ? "udp" : ""
            guard !proto.isEmpty, !src.isEmpty else { continue }
            let (sp, dp) = proto == "tcp" ? (c[5], c[6]) : (c[7], c[8])
            packets[Self.key(proto, src, Int(sp)!, dst, Int(dp)!), default: 0] += 1
        }
    }

    static func key(_ proto: String, _ a: String, _ ap: Int, _ b: String, _ bp: Int) -> String {
        let x = "\(a)|\(ap)", y = "\(b)|\(bp)"
        return "\(proto) " + (x < y ? "\(x) \(y)" : "\(y) \(x)")
    }
}

/// `failed`: a helper could not start; `exited`: tshark's status (-1: ended by a signal) and what it said.
enum TsharkError: Error { case failed(String); case exited(String, status: Int32, String) }

/// Bundled captures that tshark reads only in part: `tshark -r` of each prints its packets up to
/// a damaged record, then "appears to be damaged or corrupt" and exits with status 2
/// (suricata-verify-tls_DER-incomplete-header.pcap: 6 packets, then "File has 4325376-byte
/// packet, bigger than maximum of 262144"; `capinfos` says the same).
let damagedCaptures: Set<String> = ["suricata-verify-tls_DER-incomplete-header.pcap"]

/// Bundled captures, for tests that run over all of them.
enum BundledCaptures {
    /// Every bundled capture but the malformed corpus (which has its own expectations).
    static var all: [String] {
        let root = repositoryRoot + "/Captures"
        var out: [String] = []
        let e = FileManager.default.enumerator(atPath: root)
        while let rel = e?.nextObject() as? String {
            if rel.hasPrefix("malformed/") { continue }
            if rel.hasSuffix(".pcap") || rel.hasSuffix(".pcapng") { out.append(root + "/" + rel) }
        }
        return out.sorted()
    }
}
