import Foundation
import Testing
@testable import EdgeflowKit

/// Checks edgeflow against tshark on every bundled capture, and the two readers against
/// each other. Needs tshark on PATH (`apt-get install tshark`).
@Suite("Differential: tshark and reader parity")
struct DifferentialTests {
    @Test("packet count, 5-tuple set and per-flow packets equal tshark's", arguments: BundledCaptures.all)
    func againstTshark(path: String) throws {
        let truth = try TsharkView(path: path)
        let report = try analyzeJSON([path])
        #expect(report.capture["packets"] as? Int == truth.frames, "packet count of \(path)")
        var ours: [String: Int] = [:]
        for f in report.flows {
            let proto = f["proto"] as! String
            guard proto == "tcp" || proto == "udp" else { continue }
            let key = TsharkView.key(proto, f["orig_h"] as! String, f["orig_p"] as! Int, f["resp_h"] as! String, f["resp_p"] as! Int)
            ours[key, default: 0] += (f["orig_pkts"] as! Int) + (f["resp_pkts"] as! Int)
        }
        #expect(Set(ours.keys) == Set(truth.packets.keys), "5-tuples of \(path)")
        for (key, n) in truth.packets {
            #expect(ours[key] == n, "packets of \(key) in \(path)")
        }
    }

    @Test("the mmap and libpcap readers give identical reports", arguments: BundledCaptures.all)
    func readerParity(path: String) throws {
        var mapped = try analyzeJSON([path], reader: .mmap)
        var pcap = try analyzeJSON([path], reader: .libpcap)
        var mc = mapped.capture, lc = pcap.capture
        let libpcapWarnings = lc.removeValue(forKey: "warnings") as! [[String: Any]]
        let mappedWarnings = mc.removeValue(forKey: "warnings") as! [[String: Any]]
        if path.hasSuffix("many_interfaces-1.pcapng") {
            // libpcap refuses pcapng files whose interfaces have different link types; the message says which reader takes them.
            #expect(libpcapWarnings.first?["message"] as? String
                == "libpcap: an interface has a type 0 different from the type of the first interface; --reader mmap reads a pcapng whose interfaces differ in link type")
            #expect(lc["packets"] as? Int == 0 && mc["packets"] as? Int == 64)
            return
        }
        #expect(mappedWarnings.map { $0["code"] as! String } == libpcapWarnings.map { $0["code"] as! String })
        mapped["capture"] = mc
        pcap["capture"] = lc
        let a = try JSONSerialization.data(withJSONObject: mapped, options: .sortedKeys)
        let b = try JSONSerialization.data(withJSONObject: pcap, options: .sortedKeys)
        #expect(a == b, "reports differ for \(path)")
    }

    @Test("several files merged by time equal the same packets in one file")
    func mergeByTime() throws {
        let f1 = Frames.udp4("10.0.0.1", 3478, "52.112.0.9", 3478), f2 = Frames.udp4("52.112.0.9", 3478, "10.0.0.1", 3478)
        let a = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 10, fraction: 0, data: f1), TestRecord(seconds: 30, fraction: 0, data: f1)]))
        let b = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 20, fraction: 0, data: f2)]))
        let merged = try analyzeJSON([a, b], merge: .time)
        #expect(merged.flows.count == 1)
        #expect(merged.flows[0]["history"] as? String == "Dd")
        #expect((merged.capture["files"] as! [[String: Any]]).map { $0["packets"] as! Int } == [2, 1])
        let ordered = try analyzeJSON([a, b], merge: .order)
        #expect(ordered.flows.count == 1 && ordered.flows[0]["orig_pkts"] as? Int == 2)
        #expect(ordered.capture["packets"] as? Int == 3)
    }

    @Test("files read one after another each keep their packets, bytes and first and last times; the capture spans them all",
          arguments: MergeOrder.allCases)
    func fileCounts(merge: MergeOrder) throws {
        let f1 = Frames.udp4("10.0.0.1", 3478, "52.112.0.9", 3478), f2 = Frames.udp4("52.112.0.9", 3478, "10.0.0.1", 3478)
        // The first file's packets out of time order: its first time is its second packet's.
        let a = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 30, fraction: 0, data: f1), TestRecord(seconds: 10, fraction: 0, data: f1)]))
        let b = CaptureFile.temporary(CaptureFile.pcap([TestRecord(seconds: 20, fraction: 0, data: f2 + [0, 0])]))
        let r = try analyzeJSON([a, b], merge: merge)
        let files = r.capture["files"] as! [[String: Any]]
        #expect(files.map { $0["packets"] as! Int } == [2, 1])
        #expect(files.map { $0["bytes"] as! Int } == [2 * f1.count, f2.count + 2])
        #expect(files.map { $0["first_ts"] as! String } == [TimeFormat.iso8601(10_000_000_000), TimeFormat.iso8601(20_000_000_000)])
        #expect(files.map { $0["last_ts"] as! String } == [TimeFormat.iso8601(30_000_000_000), TimeFormat.iso8601(20_000_000_000)])
        #expect(r.capture["first_ts"] as? String == TimeFormat.iso8601(10_000_000_000))
        #expect(r.capture["last_ts"] as? String == TimeFormat.iso8601(30_000_000_000))
        #expect(r.capture["bytes"] as? Int == 2 * f1.count + f2.count + 2)
    }

    @Test("files read one after another: progress every 4,096 packets, at the last packet's record offset plus its length, then the files' whole size")
    func progressCheckpoints() throws {
        let f = Frames.udp4("10.0.0.1", 3478, "52.112.0.9", 3478)
        let record = 16 + f.count
        let a = CaptureFile.temporary(CaptureFile.pcap((0..<5000).map { TestRecord(seconds: UInt32($0), fraction: 0, data: f) }))
        let b = CaptureFile.temporary(CaptureFile.pcap((0..<4000).map { TestRecord(seconds: UInt32(5000 + $0), fraction: 0, data: f) }))
        var options = AnalyzeOptions(paths: [a, b])
        options.merge = .order
        options.format = .json
        let out = scratchPath("report") + ".json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var seen: [ReadProgress] = []
        let stream = try OutputStream(path: out)
        try AnalyzeJob(options: options).run(output: stream, progress: { seen.append($0) }) { _ in }
        try stream.close()
        let sizeA = 24 + 5000 * record, total = sizeA + 24 + 4000 * record
        // Packet 4,096 is the first file's; packet 8,192 the second's 3,192nd.
        #expect(seen == [ReadProgress(bytesRead: 24 + 4095 * record + f.count, totalBytes: total, packets: 4096, finished: false),
                         ReadProgress(bytesRead: sizeA + 24 + 3191 * record + f.count, totalBytes: total, packets: 8192, finished: false),
                         ReadProgress(bytesRead: total, totalBytes: total, packets: 9000, finished: true)])
    }
}

/// `--threads N` must not change the report: the flows, their order and contents, the
/// findings and every counter (but the two peaks, which are sums of the workers' peaks).
@Suite("Sharded runs")
struct ShardedRunTests {
    static func comparable(_ report: [String: Any]) -> NSDictionary {
        var r = report
        var capture = r.capture
        capture.removeValue(forKey: "peak_live_flows")
        var reassembly = capture["reassembly"] as! [String: Any]
        reassembly.removeValue(forKey: "peak_bytes")
        capture["reassembly"] = reassembly
        r["capture"] = capture
        return r as NSDictionary
    }

    @Test("2 and 3 workers give the report of one thread", arguments: BundledCaptures.all)
    func sameReport(path: String) throws {
        let one = Self.comparable(try analyzeJSON([path]))
        for n in [2, 3] {
            let many = Self.comparable(try analyzeJSON([path]) { $0.threads = n })
            #expect(many == one, "\(n) workers")
        }
    }

    /// The calling thread reads the files in the order one thread does: interleaved by time,
    /// or one after the other, and the workers get their packets of every file. Captures whose
    /// times overlap, so that interleaving them changes which packet comes when; with batches
    /// of the default size and of 1 and 5 items (a hand-over at nearly every packet).
    @Test("several files, interleaved by time and one after the other, with 2 and 3 workers", arguments: MergeOrder.allCases)
    func severalFiles(merge: MergeOrder) throws {
        let paths = ["edge-sample.pcap", "not-media.pcap", "tls/mtls-out.pcap", "tls/mtls-in.pcap"].map { repositoryRoot + "/Captures/" + $0 }
        let one = try analyzeJSON(paths, merge: merge)
        #expect(one.flows.count > 20)
        for n in [2, 3] {
            for items in [ShardedRun.batchItems, 1, 5] {
                let many = try analyzeJSON(paths, merge: merge) { $0.threads = n; $0.shardBatchItems = items }
                #expect(Self.comparable(many) == Self.comparable(one), "\(n) workers, batches of \(items)")
            }
        }
    }

    @Test("a generated Edge capture of 60,000 packets: thousands of flows, timeouts and DNS, with 2 workers")
    func generatedCapture() throws {
        let path = scratchPath("sharded") + ".pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repositoryRoot + "/Scripts/gen_edge_capture.py", "--out", path, "--packets", "60000", "--seed", "5"]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let one = try analyzeJSON([path]) { $0.flow.udpTimeout = 2_000_000_000 }
        let two = try analyzeJSON([path]) { $0.flow.udpTimeout = 2_000_000_000; $0.threads = 2 }
        #expect(one.flows.count > 1_000)
        #expect(Self.comparable(two) == Self.comparable(one))
        // Flows that end by timeout are ended by the sweeps handed to the workers among their
        // packets: an item lost or moved in a hand-over would end a flow elsewhere or change
        // its counts. Batches of 3 items (thousands of hand-overs, with a worker's flows over
        // many batches) and of 1,000, with 2 and 3 workers.
        let expired = one.capture["flows_expired"] as? Int ?? 0
        #expect(expired > 1_000)
        for (n, items) in [(2, 3), (3, 3), (2, 1_000)] {
            let many = try analyzeJSON([path]) { $0.flow.udpTimeout = 2_000_000_000; $0.threads = n; $0.shardBatchItems = items }
            #expect(Self.comparable(many) == Self.comparable(one), "\(n) threads, batches of \(items)")
        }
        // With the default timeouts hundreds of flows are live when input ends: the workers'
        // tables end theirs on threads of their own (`TableEnding`), streamed back through a
        // bounded queue and merged in creation order; in batches of 3 flows a table's stream
        // (a third of 500 or more) is several times what the queue holds (8 batches).
        let live = try analyzeJSON([path])
        let atEnd = live.flows.filter { $0["end_reason"] as? String == "end_of_input" }.count
        #expect(atEnd > 500)
        for (n, items) in [(2, ShardedRun.batchItems), (2, 3), (3, 3)] {
            let many = try analyzeJSON([path]) { $0.threads = n; $0.shardBatchItems = items }
            #expect(Self.comparable(many) == Self.comparable(live), "\(n) threads, batches of \(items), flows live at the end")
        }
    }
}
