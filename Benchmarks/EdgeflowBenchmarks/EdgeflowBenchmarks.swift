import Benchmark
import EdgeflowKit
import Foundation

/// Frames of a capture, read once outside the measurements.
struct Frames {
    var bytes: [[UInt8]] = []
    var links: [LinkType] = []

    init(path: String) {
        guard var reader = try? MappedCaptureReader(path: path) else { fatalError("cannot read \(path): run from Benchmarks/") }
        while let p = reader.next() {
            bytes.append(Array(p.bytes))
            links.append(p.linkType)
        }
    }
}

/// RFC 5769 §2.2: the IPv4 Binding success response (80 bytes).
let rfc5769Response: [UInt8] = [
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
]

/// Ethernet + IPv4 + UDP (203.0.113.20:sport → 198.51.100.21:dport) around `payload`.
func udpFrame(_ payload: [UInt8], sport: UInt16 = 50010, dport: UInt16 = 50004) -> [UInt8] {
    let udpLength = 8 + payload.count, ipLength = 20 + udpLength
    var f: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00]
    f += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xFF), 0, 0, 0, 0, 64, 17, 0, 0, 203, 0, 113, 20, 198, 51, 100, 21]
    f += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0]
    return f + payload
}

/// A DNS response (RFC 1035): sipfed.online.lync.com A 52.112.1.5, the answer name compressed.
let dnsFrame: [UInt8] = {
    var name: [UInt8] = []
    for label in ["sipfed", "online", "lync", "com"] { name += [UInt8(label.utf8.count)] + Array(label.utf8) }
    let message: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0] + name + [0, 0, 1, 0, 1]
        + [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 52, 112, 1, 5]
    return udpFrame(message, sport: 53, dport: 53001)
}()

/// A plaintext SIP OPTIONS request over UDP 5060.
let sipFrame = udpFrame(Array("OPTIONS sip:sipfed.online.lync.com SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.10\r\nCall-ID: 6496164dc09f0805\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n".utf8),
                        sport: 5060, dport: 5060)

/// A PCMU RTP packet (sequence at frame offset 44-45).
let rtpFrame = udpFrame([0x80, 0x00, 0, 0, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0xFF, count: 160))
let stunFrame = udpFrame(rfc5769Response)

let benchmarks: @Sendable () -> Void = {
    let sample = "../Captures/edge-sample.pcap"
    let frames = Frames(path: sample)
    let metrics: [BenchmarkMetric] = [.throughput, .wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident]
    let config = Benchmark.Configuration(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(2),
                                         thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])])

    Benchmark("decode: link, IP and transport headers", configuration: config) { benchmark in
        for i in benchmark.scaledIterations {
            let f = frames.bytes[i % frames.bytes.count]
            let link = frames.links[i % frames.links.count]
            f.withUnsafeBytes { blackHole(PacketDecoder.decode($0, originalLength: f.count, linkType: link)) }
        }
    }

    Benchmark("decode: STUN message (RFC 5769 response) with FINGERPRINT", configuration: config) { benchmark in
        for _ in benchmark.scaledIterations {
            rfc5769Response.withUnsafeBytes { blackHole(try? STUNDecoder.decode($0)) }
        }
    }

    Benchmark("decode: RTP header and stream statistics", configuration: config) { benchmark in
        var stats = RTPStreamStats()
        var packet: [UInt8] = [0x80, 0x00, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0xFF, count: 160)
        var seq: UInt16 = 0
        for i in benchmark.scaledIterations {
            seq &+= 1
            packet[2] = UInt8(seq >> 8)
            packet[3] = UInt8(seq & 0xFF)
            packet.withUnsafeBytes { p in
                if let h = try? RTPHeader.parse(p) {
                    stats.record(sequence: h.sequence, timestamp: UInt32(truncatingIfNeeded: i) &* 160,
                                 arrivalNanoseconds: Int64(i) * 20_000_000, payloadType: h.payloadType, marker: false, clockRate: 8000)
                }
            }
        }
        blackHole(stats)
    }

    Benchmark("flow table: find and insert (64k flows)", configuration: config) { benchmark in
        var table = FlowTable(capacity: 1 << 16)
        var keys: [FlowKey] = []
        for i in 0..<65_536 {
            keys.append(FlowKey(a: IPAddress(ipv4: 0x0A00_0000 | UInt32(i)), b: IPAddress(ipv4: 0x3470_0001),
                                aPort: UInt16(truncatingIfNeeded: 50000 &+ i), bPort: 3478, proto: 17, ipVersion: 4))
        }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let k = keys[i & 0xFFFF]
            let h = table.hash(k)
            if table.find(k, hash: h) == nil, table.count < 65_536 {
                _ = table.insert(FlowRecord(key: k, sequence: i, originatorIsA: true, timestamp: 0), hash: h)
            }
        }
    }

    // Steady state of the whole per-packet path (decode, flow table, inspection) on one flow:
    // the flow and its inspection exist after the first packet, so later packets must not allocate.
    for (name, frame, isRTP) in [("RTP media flow", rtpFrame, true), ("STUN Binding flow (RFC 5769 response)", stunFrame, false),
                                 ("DNS answer", dnsFrame, false), ("plaintext SIP over UDP", sipFrame, false)] {
        Benchmark("per packet: decode, flow, inspection: \(name)", configuration: config) { benchmark in
            var engine = Engine(settings: FlowSettings())
            var bytes = frame
            func feed(_ i: Int) {
                if isRTP {  // advance the RTP sequence number so the stream keeps moving
                    bytes[44] = UInt8(truncatingIfNeeded: i >> 8)
                    bytes[45] = UInt8(truncatingIfNeeded: i)
                }
                bytes.withUnsafeBytes { p in
                    engine.ingest(Packet(timestamp: Int64(i) * 20_000_000, linkType: .ethernet, interface: 0, originalLength: p.count,
                                         bytes: p, number: i, fileOffset: -1))
                }
            }
            feed(0)
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations { feed(i + 1) }
        }
    }

    // TLS: after a whole mutual-TLS handshake (Captures/tls/mtls-out.pcap), further segments of
    // the connection cost no allocation: the handshake buffers are released.
    let tls = Frames(path: "../Captures/tls/mtls-out.pcap")
    Benchmark("per packet: decode, flow, inspection: TLS segments after the handshake", configuration: config) { benchmark in
        var engine = Engine(settings: FlowSettings())
        func feed(_ i: Int, _ f: [UInt8]) {
            f.withUnsafeBytes { p in
                engine.ingest(Packet(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000, linkType: tls.links[0], interface: 0,
                                     originalLength: p.count, bytes: p, number: i, fileOffset: -1))
            }
        }
        // Everything up to the first application data, then that segment again and again.
        let lastData = tls.bytes.indices.last { tls.bytes[$0].count > 100 } ?? 0
        for i in 0..<lastData { feed(i, tls.bytes[i]) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { feed(lastData + i, tls.bytes[lastData]) }
    }

    Benchmark("whole analysis of the bundled sample (JSON to /dev/null)",
              configuration: .init(metrics: metrics, scalingFactor: .one, maxDuration: .seconds(3))) { benchmark in
        for _ in benchmark.scaledIterations {
            var options = AnalyzeOptions(paths: [sample])
            options.format = .json
            guard let out = try? OutputStream(path: "/dev/null") else { return }
            blackHole(try? AnalyzeJob(options: options).run(output: out) { _ in })
        }
    }
}
