import Foundation
import Testing
@testable import EdgeflowKit

/// Hostile and reshuffled input: never a trap, bounded buffering, and the same facts
/// whatever the fragmentation, order or repetition of the handshake.
@Suite("DTLS robustness")
struct DTLSRobustnessTests {
    static func fragmented() throws -> [DTLSDatagram] {
        try DTLSCaptures.datagrams(DTLSCaptures.directory + "dtls12-fragmented.pcap")
    }

    @Test("random and mutated datagrams never trap and buffering stays within its bound")
    func fuzz() throws {
        let real = try Self.fragmented() + DTLSCaptures.datagrams(repositoryRoot + "/Captures/public/zeek-dtls1_2.pcap")
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for round in 0..<300 {
            var state = DTLSFlowState()
            for i in 0..<40 {
                var bytes: [UInt8]
                if rng.below(3) == 0 {
                    bytes = (0..<rng.below(300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    if !bytes.isEmpty { bytes[0] = UInt8(20 + rng.below(44)) }
                } else {
                    bytes = real[rng.below(real.count)].payload
                    for _ in 0..<(1 + rng.below(8)) where !bytes.isEmpty {
                        bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
                    }
                    if rng.below(4) == 0 { bytes.removeLast(rng.below(bytes.count + 1)) }
                }
                bytes.withUnsafeBytes { state.datagram($0, fromOriginator: (i + round) & 1 == 0, timestamp: Int64(i)) }
            }
            for d in [state.orig, state.resp] {
                #expect(d.assembler.pending.count <= DTLSHandshakeAssembler.maxPending)
                #expect(d.assembler.pending.reduce(0) { $0 + $1.length } <= DTLSHandshakeAssembler.budget)
            }
            _ = DTLSCaptures.report(state)
        }
    }

    @Test("a message longer than the budget is dropped with a reason, later messages are still read")
    func budget() {
        var state = DTLSFlowState()
        // One fragment of a certificate message claiming 16 MB, then a whole ServerHelloDone.
        let big: [UInt8] = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 24,
                            11, 0xFF, 0xFF, 0xFF, 0, 2, 0, 0, 0, 0, 0, 12] + [UInt8](repeating: 0, count: 12)
        let done: [UInt8] = [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 2, 0, 12, 14, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]
        big.withUnsafeBytes { state.datagram($0, fromOriginator: false, timestamp: 1) }
        done.withUnsafeBytes { state.datagram($0, fromOriginator: false, timestamp: 2) }
        #expect(state.resp.failure?.reason == .handshakeBudgetExceeded)
        #expect(state.resp.droppedMessages == 1)
        #expect(state.resp.handshakeTypes.contains(TLSHandshakeType.serverHelloDone))
    }

    @Test("record layer failures name the reason and the offset")
    func recordFailures() {
        func fail(_ bytes: [UInt8], cid: Int? = nil) -> DTLSFailure? {
            bytes.withUnsafeBytes { b -> DTLSFailure? in
                do throws(DTLSFailure) {
                    _ = try DTLSRecordReader.read(b, at: 0, connectionIDLength: cid)
                    return nil
                } catch {
                    return error
                }
            }
        }
        #expect(fail([22, 0xFE, 0xFD, 0, 0]) == DTLSFailure(.truncatedRecordHeader, at: 0))
        #expect(fail([22, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == DTLSFailure(.badVersion, at: 1))
        #expect(fail([22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1]) == DTLSFailure(.recordOverrun, at: 11))
        #expect(fail([19]) == DTLSFailure(.unknownContentType, at: 0))
        #expect(fail([25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 1, 0xAA, 0, 0]) == DTLSFailure(.connectionIDLengthUnknown, at: 11))
        #expect(fail([0x3F, 0xAA]) == DTLSFailure(.connectionIDLengthUnknown, at: 1))
    }

    @Test("tls12_cid and DTLS 1.3 unified headers (RFC 9146 §4, RFC 9147 §4)")
    func connectionIDRecords() throws {
        // tls12_cid: epoch 1, sequence 7, 2-byte CID aabb, 3-byte body.
        let cid: [UInt8] = [25, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 7, 0xAA, 0xBB, 0, 3, 1, 2, 3]
        let r = try cid.withUnsafeBytes { b throws(DTLSFailure) in try DTLSRecordReader.read(b, at: 0, connectionIDLength: 2) }
        #expect(r.connectionID == 11..<13 && r.body == 15..<18 && r.epoch == 1 && r.sequence == 7 && r.isEncrypted)
        // Unified header 0b00111111: CID (1 byte here), 16-bit seq 0x0102, length 2, epoch bits 3.
        let unified: [UInt8] = [0x3F, 0x42, 0x01, 0x02, 0, 2, 9, 9, 0x20, 0x05, 7]
        let u = try unified.withUnsafeBytes { b throws(DTLSFailure) in try DTLSRecordReader.read(b, at: 0, connectionIDLength: 1) }
        #expect(u.isUnified && u.connectionID == 1..<2 && u.sequence == 0x0102 && u.body == 6..<8 && u.epoch == 3)
        // The next record: 0b00100000, 8-bit seq, no length, no CID: fills the datagram.
        let v = try unified.withUnsafeBytes { b throws(DTLSFailure) in try DTLSRecordReader.read(b, at: 8, connectionIDLength: nil) }
        #expect(v.sequence == 5 && v.body == 10..<11 && v.epoch == 0)
    }

    /// Rewrites every clear handshake record as one record per half-fragment, each in its own
    /// datagram (RFC 6347 §4.2.3 allows any fragmentation).
    static func refragment(_ d: DTLSDatagram) -> [DTLSDatagram] {
        let p = d.payload
        guard p[0] == 22, p[3] == 0, p[4] == 0 else { return [d] }
        var out: [DTLSDatagram] = []
        var o = 0
        while o + 13 <= p.count {
            let length = Int(p[o + 11]) << 8 | Int(p[o + 12])
            let header = Array(p[o..<(o + 11)])
            var h = o + 13
            while h + 12 <= o + 13 + length {
                let fragOffset = Int(p[h + 6]) << 16 | Int(p[h + 7]) << 8 | Int(p[h + 8])
                let fragLength = Int(p[h + 9]) << 16 | Int(p[h + 10]) << 8 | Int(p[h + 11])
                let body = Array(p[(h + 12)..<(h + 12 + fragLength)])
                let halves = fragLength < 2 ? [0..<fragLength] : [0..<(fragLength / 2), (fragLength / 2)..<fragLength]
                for part in halves {
                    let off = fragOffset + part.lowerBound, len = part.count
                    let hs = Array(p[h..<(h + 6)]) + [UInt8(off >> 16), UInt8(off >> 8 & 0xFF), UInt8(off & 0xFF),
                                                     UInt8(len >> 16), UInt8(len >> 8 & 0xFF), UInt8(len & 0xFF)] + body[part]
                    let record = header + [UInt8(hs.count >> 8), UInt8(hs.count & 0xFF)] + hs
                    out.append(DTLSDatagram(frame: d.frame, sender: d.sender, timestamp: d.timestamp, payload: record))
                }
                h += 12 + fragLength
            }
            o += 13 + length
        }
        return out
    }

    @Test("other fragmentation, reversed order and a repeated flight give the same result",
          arguments: ["dtls12-fragmented", "dtls10", "dtls12-srtp"])
    func resegmentation(_ name: String) throws {
        let original = try DTLSCaptures.datagrams(DTLSCaptures.directory + name + ".pcap")
        let t = TsharkDTLS("dtls-" + name)
        let expected = DTLSCaptures.report(DTLSCaptures.run(original))
        // Server flight: every datagram from the ServerHello up to the client's next one.
        let serverSender = t.serverHello.sender
        let first = original.firstIndex { $0.frame == t.serverHello.frame }!
        let end = original[first...].firstIndex { $0.sender != serverSender } ?? original.endIndex
        let flight = original[first..<end].flatMap(Self.refragment)
        let reshuffled = Array(original[..<first]) + flight.reversed() + flight + Array(original[end...])
        let state = DTLSCaptures.run(reshuffled)
        let r = DTLSCaptures.report(state)
        #expect(r.version == expected.version && r.cipher == expected.cipher && r.srtpProfile == expected.srtpProfile)
        #expect(r.server.map(\.sha256) == t.chain(from: serverSender).map(\.sha256))
        #expect(r.outcome == .complete)
        #expect(r.retransmittedFragments >= flight.count)
        #expect(state.resp.handshakeTypes == DTLSCaptures.run(original).resp.handshakeTypes)
    }
}
