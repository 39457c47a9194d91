import Foundation
import Testing
@testable import EdgeflowKit

/// STUN transactions (RFC 8489 §6.2.1: a retransmission repeats the transaction id) and STUN
/// that does not decode, on the real captures of Captures/public, against tshark 4.0.
@Suite("STUN transactions, retransmissions and malformed first messages")
struct STUNTransactionTests {
    /// Per 5-tuple (endpoints sorted), from tshark's `stun.type.class` and `stun.id`: requests,
    /// transactions answered (a request id that a success or error response carries),
    /// unanswered, and retransmissions (requests minus distinct request ids).
    static func tsharkTransactions(_ path: String) throws -> [String: [Int]] {
        let rows = try tsharkFields(path, ["-Y", "stun", "-e", "ip.src", "-e", "udp.srcport", "-e", "ip.dst", "-e", "udp.dstport",
                                           "-e", "stun.type.class", "-e", "stun.id"])
        var requests: [String: [String]] = [:], answered: [String: Set<String>] = [:]
        for r in rows {
            let key = [r[0] + ":" + r[1], r[2] + ":" + r[3]].sorted().joined(separator: " ")
            switch r[4] {
            case "0x0000": requests[key, default: []].append(r[5])
            case "0x0010", "0x0011": answered[key, default: []].insert(r[5])
            default: break
            }
        }
        var out: [String: [Int]] = [:]
        for (key, ids) in requests {
            let distinct = Set(ids)
            let ok = distinct.filter { answered[key]?.contains($0) == true }.count
            out[key] = [ids.count, ok, distinct.count - ok, ids.count - distinct.count]
        }
        return out
    }

    /// arkime-stun-ice-testcall.pcap: ICE checks in both directions, some sent again with the
    /// same transaction id and each copy answered. tshark counts, e.g. for
    /// 155.212.214.188:23130 ↔ 192.168.43.155:59977, 22 requests of 20 transactions, all
    /// answered: 2 retransmissions. The report must agree on every flow.
    @Test func retransmissionsAreOneTransaction() throws {
        let path = repositoryRoot + "/Captures/public/arkime-stun-ice-testcall.pcap"
        let expected = try Self.tsharkTransactions(path)
        #expect(expected["155.212.214.188:23130 192.168.43.155:59977"] == [22, 20, 0, 2])
        #expect(expected.values.reduce(0) { $0 + $1[3] } == 6)
        var seen: [String: [Int]] = [:]
        for f in try analyzeJSON([path]).flows {
            guard let s = f["stun"] as? [String: Any] else { continue }
            let key = ["\(f["orig_h"]!):\(f["orig_p"]!)", "\(f["resp_h"]!):\(f["resp_p"]!)"].sorted().joined(separator: " ")
            seen[key] = ["requests", "transactions_matched", "unanswered", "retransmissions"].map { s[$0] as? Int ?? -1 }
        }
        #expect(seen == expected)
    }

    /// The classic pcap records of a capture, in order.
    static func records(_ path: String) throws -> [TestRecord] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let le = { (o: Int) in UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24 }
        var out: [TestRecord] = [], o = 24
        while o + 16 <= bytes.count {
            let n = Int(le(o + 8))
            out.append(TestRecord(seconds: le(o), fraction: le(o + 4), data: Array(bytes[(o + 16)..<(o + 16 + n)])))
            o += 16 + n
        }
        return out
    }

    /// spicy-analyzers-stun-malformed-error.pcap with its two frames swapped, so that the
    /// malformed one comes first: frame 2, a Binding Error Response whose ERROR-CODE is cut
    /// (tshark: `[Malformed Packet: STUN]`), then frame 1, the well-formed Binding Request.
    /// The malformed message must be counted although the flow was not yet known as STUN.
    @Test func malformedFirstMessageIsCounted() throws {
        let original = repositoryRoot + "/Captures/public/spicy-analyzers-stun-malformed-error.pcap"
        let malformed = try tsharkFields(original, ["-Y", "_ws.malformed", "-e", "frame.number", "-e", "stun.type"])
        #expect(malformed == [["2", "0x0111"]])
        var frames = try Self.records(original)
        try #require(frames.count == 2)
        frames.swapAt(0, 1)
        let report = try analyzeJSON([CaptureFile.temporary(CaptureFile.pcap(frames))])
        try #require(report.flows.count == 1)
        let flow = report.flows[0]
        #expect(flow["service"] as? String == "stun")
        let stun = try #require(flow["stun"] as? [String: Any])
        #expect(stun["malformed"] as? Int == 1)
        #expect(stun["messages"] as? Int == 1)   // the request
        #expect(stun["requests"] as? Int == 1)
        #expect(stun["errors"] as? Int == 0 && stun["success"] as? Int == 0)
    }
}
