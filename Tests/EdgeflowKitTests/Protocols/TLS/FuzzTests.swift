import Testing
@testable import EdgeflowKit

/// Random and mutated inputs through every parser: nothing may trap.
@Suite("Crash freedom")
struct FuzzTests {
    static let iterations = 100_000

    /// Seeds: real bytes from the fixtures.
    static func corpus() -> [[UInt8]] {
        var out: [[UInt8]] = []
        for name in ["zeek-client-certificate", "pcapplusplus-tls-2", "edge-flow5-mtls-out", "edge-flow17-tls13", "heplify-sip-tcp"] {
            let f = Fixtures.follow(name)
            out.append(Array(f.orig.prefix(2048)))
            out.append(Array(f.resp.prefix(4096)))
        }
        out += Fixtures.datagrams("sngrep-aaa-dns").prefix(40).map(\.payload)
        out += Fixtures.datagrams("suricata-dns-srv").map(\.payload)
        out += Fixtures.datagrams("sngrep-aaa-sip").prefix(20).map(\.payload)
        return out
    }

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            return (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 1:
            if !b.isEmpty { b = Array(b[0..<Int.random(in: 0..<b.count, using: &rng)]) }
        default:
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !b.isEmpty {
                let i = Int.random(in: 0..<b.count, using: &rng)
                b[i] = Int.random(in: 0..<3, using: &rng) == 0 ? [0x00, 0xFF, 0xC0, 0x7F, 0x80][Int.random(in: 0..<5, using: &rng)] : UInt8.random(in: 0...255, using: &rng)
            }
        }
        return b
    }

    @Test func parsersSurviveMutations() {
        let corpus = Self.corpus()
        var rng = SplitMix64(seed: 0xF022)
        var parsed = 0
        for _ in 0..<Self.iterations {
            let input = Self.mutate(corpus[Int.random(in: 0..<corpus.count, using: &rng)], &rng)
            input.withUnsafeBytes { b in
                if (try? DNSMessage.parse(b)) != nil { parsed += 1 }
                _ = DNSMessage.parseTCP(b)
                var off = 0
                while off < b.count {
                    let rest = UnsafeRawBufferPointer(rebasing: b[off...])
                    switch SIPMessageScanner.scan(rest, datagram: Bool.random(using: &rng)) {
                    case .message(let h): off += max(1, h.messageLength); _ = h.callID(in: rest)
                    case .keepAlive(let n): off += n
                    default: off = b.count
                    }
                }
                _ = SIPMessageScanner.looksLikeSIP(b)
                if b.count > 4 {
                    let body = UnsafeRawBufferPointer(rebasing: b[4...])
                    do throws(TLSFailure) { _ = try TLSClientHello.parse(body) } catch { #expect(Int(error.offset) <= body.count) }
                    do throws(TLSFailure) { _ = try TLSServerHello.parse(body) } catch { #expect(Int(error.offset) <= body.count) }
                    do throws(TLSFailure) {
                        _ = try TLSCertificateList.parse(body, tls13: Bool.random(using: &rng), timestamp: 0)
                    } catch { #expect(Int(error.offset) <= body.count) }
                }
                _ = TLSClientHello.parseSSLv2(b)
                var s = TLSSession()
                let d: StreamDirection = Bool.random(using: &rng) ? .orig : .resp
                var used = 0
                while used < b.count {
                    let n = s.feed(direction: d, bytes: UnsafeRawBufferPointer(rebasing: b[used...]), timestamp: 0)
                    if n == 0 { break }
                    used += n
                }
                _ = s.outcome
                _ = s.handshakeDuration
            }
        }
        #expect(parsed > 0)
    }

    /// TLS fixtures with bytes flipped, fed through the reassembler in random pieces.
    @Test func sessionSurvivesMutatedStreams() {
        var rng = SplitMix64(seed: 77)
        let names = ["zeek-client-certificate", "edge-flow5-mtls-out", "edge-flow18-expired", "pcapplusplus-tls-1"]
        let all = names.map { Fixtures.segments($0) }
        for i in 0..<2_000 {
            var segments = all[i % all.count]
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let k = Int.random(in: 0..<segments.count, using: &rng)
                guard !segments[k].payload.isEmpty else { continue }
                let j = Int.random(in: 0..<segments[k].payload.count, using: &rng)
                segments[k].payload[j] = UInt8.random(in: 0...255, using: &rng)
            }
            let s = runTLS(resegment(segments, seed: UInt64(i), isnShift: (UInt32.random(in: 0...UInt32.max, using: &rng), 0)), budget: 4096)
            for list in [s.serverCertificates, s.clientCertificates] {
                guard let list, i % 50 == 0 else { continue }
                _ = CertificateSummary.chain(list)  // the cold path too, on some
            }
        }
    }

    /// Random add/consume/stop sequences on small budgets.
    @Test func reassemblerSurvivesRandomOperations() {
        var rng = SplitMix64(seed: 5)
        let data = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for _ in 0..<Self.iterations / 10 {
            var r = StreamReassembler(budget: Int.random(in: 1...512, using: &rng))
            let isn = UInt32.random(in: 0...UInt32.max, using: &rng)
            var delivered = 0
            var base: Int? = nil  // the first segment with data sets the stream start
            for _ in 0..<20 {
                let off = Int.random(in: 0..<4000, using: &rng) / Int.random(in: 1...40, using: &rng)
                let len = Int.random(in: 0...96, using: &rng)
                if base == nil && len > 0 && r.state != .stopped { base = off }
                data[off..<min(data.count, off + len)].withUnsafeBytes { r.add(seq: isn &+ UInt32(off), payload: $0, syn: false) }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    let n = r.withContiguous { b -> Int in
                        // What is readable must be the data at the right offset.
                        let start = (base ?? 0) + delivered
                        for (i, byte) in b.enumerated() where data[start + i] != byte {
                            Issue.record("wrong byte at \(start + i)"); break
                        }
                        return Int.random(in: 0...b.count, using: &rng)
                    }
                    r.consume(n)
                    delivered += n
                }
                if Int.random(in: 0..<200, using: &rng) == 0 { r.stop() }
            }
        }
    }
}
