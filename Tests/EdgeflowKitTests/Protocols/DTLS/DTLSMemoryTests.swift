import Testing
@testable import EdgeflowKit

/// DTLS handshake buffering within the run's reassembly memory (`--reassembly-memory`, shared
/// with TCP reassembly), on dtls12-fragmented.pcap (Scripts/record_dtls_captures.sh: the
/// server's certificate chain in fragments; its subjects from tshark's fixture).
@Suite("DTLS handshakes share the run's reassembly memory")
struct DTLSMemoryTests {
    static let path = DTLSCaptures.directory + "dtls12-fragmented.pcap"

    /// Runs the capture's DTLS datagrams through one dispatcher slot; gives the messages it did
    /// not buffer, the handshake bytes it still counts once the slot is released, and the flow's report.
    private func run(memory: Int) throws -> (dropped: Int, held: Int, report: DTLSReport) {
        let datagrams = try DTLSCaptures.datagrams(Self.path)
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, reassemblyMemory: memory, dns: DNSBook())
        var slot: Int32 = -1
        for g in datagrams {
            _ = g.payload.withUnsafeBytes { p in
                d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: false, fromOriginator: g.sender == datagrams[0].sender,
                      timestamp: g.timestamp)
            }
        }
        let facts = try #require(d.release(slot)?.dtls?.value)
        return (d.dtlsMessagesOutOfMemory, d.dtlsHandshakeBytes, DTLSCaptures.report(facts, firstTimestamp: datagrams[0].timestamp))
    }

    @Test("with memory to spare the fragmented chain is read and the bytes are given back at the flow's end")
    func enough() throws {
        let (dropped, held, r) = try run(memory: 1 << 20)
        let tshark = TsharkDTLS("dtls-dtls12-fragmented")
        #expect(r.server.map(\.subject) == tshark.chain(from: tshark.serverHello.sender).map(\.subject))
        #expect(r.malformed.isEmpty)
        #expect(dropped == 0 && held == 0)
    }

    @Test("with the run's memory used up a fragmented message is not buffered, and that is counted")
    func exhausted() throws {
        let (dropped, held, r) = try run(memory: 0)
        #expect(r.server.isEmpty)
        #expect(r.malformed.map(\.failure.reason).contains(.handshakeMemoryExhausted))
        #expect(dropped > 0 && held == 0)
    }

    @Test("the report counts the messages and says which limit to raise")
    func reported() throws {
        let r = try analyzeJSON([Self.path]) { $0.flow.reassemblyMemory = 0 }
        let re = try #require(r.capture["reassembly"] as? [String: Any])
        let dropped = try #require(re["dtls_messages_out_of_memory"] as? Int)
        #expect(dropped > 0)
        let limit = (r["findings"] as? [[String: Any]])?.first { $0["code"] as? String == "limit_reached" }
        #expect((limit?["message"] as? String)?.contains("--reassembly-memory was reached: \(dropped) DTLS handshake message") == true)
        let flow = try #require(r.flows.first { $0["dtls"] != nil })
        let malformed = (flow["dtls"] as? [String: Any])?["malformed"] as? [[String: Any]]
        #expect(malformed?.contains { $0["reason"] as? String == "handshake_memory_exhausted" } == true)
        // At the default limit: nothing dropped, and the field is not written.
        let plain = try analyzeJSON([Self.path])
        #expect((plain.capture["reassembly"] as? [String: Any])?["dtls_messages_out_of_memory"] == nil)
    }
}
