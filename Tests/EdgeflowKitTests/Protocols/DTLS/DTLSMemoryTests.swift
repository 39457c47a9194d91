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
    /// `peak`: the most handshake bytes held after any datagram.
    private func run(memory: Int, path: String = Self.path) throws -> (dropped: Int, held: Int, peak: Int, report: DTLSReport) {
        let datagrams = try DTLSCaptures.datagrams(path)
        var d = Dispatcher(capacity: 4, reassemblyBudget: 4096, reassemblyMemory: memory, dns: DNSBook())
        var slot: Int32 = -1
        var peak = 0
        for g in datagrams {
            _ = g.payload.withUnsafeBytes { p in
                d.udp(&slot, p, kind: UDPDemux.classify(p), stunPort: false, fromOriginator: g.sender == datagrams[0].sender,
                      timestamp: g.timestamp)
            }
            peak = max(peak, d.dtlsHandshakeBytes)
        }
        let facts = try #require(d.release(slot)?.dtls?.value)
        return (d.dtlsMessagesOutOfMemory, d.dtlsHandshakeBytes, peak, DTLSCaptures.report(facts, firstTimestamp: datagrams[0].timestamp))
    }

    @Test("with memory to spare the fragmented chain is read and the bytes are given back at the flow's end")
    func enough() throws {
        let (dropped, held, _, r) = try run(memory: 1 << 20)
        let tshark = TsharkDTLS("dtls-dtls12-fragmented")
        #expect(r.server.map(\.subject) == tshark.chain(from: tshark.serverHello.sender).map(\.subject))
        #expect(r.malformed.isEmpty)
        #expect(dropped == 0 && held == 0)
    }

    @Test("with the run's memory used up a fragmented message is not buffered, and that is counted")
    func exhausted() throws {
        let (dropped, held, _, r) = try run(memory: 0)
        #expect(r.server.isEmpty)
        #expect(r.malformed.map(\.failure.reason).contains(.handshakeMemoryExhausted))
        #expect(dropped > 0 && held == 0)
    }

    @Test("at every limit from none to twice the most ever held, what is held stays within it, fewer messages are dropped as it grows, and all is given back")
    func limits() throws {
        let unlimited = try run(memory: 1 << 20)
        #expect(unlimited.dropped == 0 && unlimited.peak > 0)
        var droppedBefore = Int.max
        for memory in stride(from: 0, through: 2 * unlimited.peak, by: max(1, unlimited.peak / 16)) {
            let r = try run(memory: memory)
            #expect(r.peak <= memory, "held \(r.peak) bytes under a limit of \(memory)")
            #expect(r.held == 0)
            #expect(r.dropped <= droppedBefore, "\(r.dropped) dropped at \(memory) bytes, \(droppedBefore) with less")
            // Holding less than the unlimited run's most needs at least one message left out.
            if memory < unlimited.peak { #expect(r.dropped > 0, "nothing dropped at \(memory) of \(unlimited.peak) bytes") }
            droppedBefore = r.dropped
        }
        #expect(droppedBefore == 0, "still \(droppedBefore) dropped at twice the peak")
    }

    @Test("DTLS 1.3 (unified headers after whole hellos) needs no handshake buffer: with no memory at all it reads as with plenty, and holds nothing")
    func dtls13WithoutMemory() throws {
        let path = DTLSCaptures.directory + "dtls13-nss.pcap"
        let none = try run(memory: 0, path: path), plenty = try run(memory: 1 << 20, path: path)
        #expect(none.dropped == 0 && none.peak == 0 && none.held == 0)
        // tshark's dtls-dtls13-nss fixture: DTLS 1.3 draft 43 both ways, handshake to the application epoch.
        #expect(none.report.version == plenty.report.version && none.report.version?.isDTLS13 == true)
        #expect(none.report.outcome == plenty.report.outcome && none.report.outcome == .complete)
        #expect(none.report.applicationDataRecords == plenty.report.applicationDataRecords && none.report.applicationDataRecords > 0)
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
