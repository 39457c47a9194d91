import Foundation
import Synchronization

/// `edgeflow live --threads N`: N capture sockets in one PACKET_FANOUT group (`FanoutGroup`),
/// each read by a thread of its own that counts its packets and tracks its flows; the kernel
/// hands each socket whole flows, both directions. What the sockets report (DNS messages,
/// recognised services, ended flows) is tagged with the timestamp of the packet that caused
/// it, and the calling thread replays it into the engine in timestamp order, up to the time
/// every socket has reached, so flows are classified and written as one thread would; their
/// packet counts and flow counters are merged for the interval snapshots and the final report.
/// `--max-flows`, `--max-inspected-flows` and `--reassembly-memory` are split evenly. The
/// sockets share one SDP book (`SharedSDPBook`), so a stream takes the clock of an SDP that
/// another socket's SIP flow carried.
final class LiveShards {
    /// A capture socket reports every this many packets (or sooner: see `LiveSocket`).
    static let reportEvery = 2048
    private let sockets: [LiveSocket]
    private let dns: DNSBook
    /// Per socket: events not replayed yet, the capture time up to which it has reported
    /// everything, and its last report's counts.
    private var pending: [[ShardEvent]]
    private var watermark: [Int]
    private var last: [SocketReport?]
    private var merged: [ShardEvent] = []
    /// The most events an empty array of `pending` or `merged` keeps room for: a flood's flows
    /// ending in one interval grow them to their number (some 240 bytes each), which a
    /// days-long run would otherwise hold for good.
    static let eventsKept = 16_384

    /// Starts a thread on each of `captures` (opened on the calling thread, in one fanout group).
    /// - Parameters:
    ///   - interval: how often an idle socket's flows are swept by the wall clock (as one thread's are each interval).
    ///   - dns: the run's DNS table, which sees the sockets' DNS messages in timestamp order.
    init(captures: [LiveCapture], settings: FlowSettings, interval: Int64, dns: DNSBook) {
        let n = captures.count
        var share = settings
        share.maxFlows = max(16, settings.maxFlows / n)
        share.maxInspectedFlows = max(1, settings.maxInspectedFlows / n)
        share.reassemblyMemory = settings.reassemblyMemory / n
        share.sharedSDP = SharedSDPBook()
        sockets = captures.map { LiveSocket(capture: $0, worker: ShardWorker(settings: share)) }
        self.dns = dns
        // Every socket has joined the group: packets captured before now may have reached two
        // sockets, or a flow's first packets another socket than the rest, so none is taken.
        let joined = wallClock()
        pending = Array(repeating: [], count: n)
        watermark = Array(repeating: .min, count: n)
        last = Array(repeating: nil, count: n)
        for (i, s) in sockets.enumerated() {
            let thread = Thread { s.run(sweepEvery: interval, from: joined) }
            thread.name = "edgeflow-socket\(i)"
            thread.start()
        }
    }

    /// The sockets' counters as last reported.
    var statistics: [SocketReport.Statistics] { last.map { $0?.statistics ?? .init() } }
    /// Flows live now on every socket, as last reported.
    var liveFlows: Int { last.reduce(0) { $0 + ($1?.liveFlows ?? 0) } }

    /// Takes every report waiting, replays the events no socket can still precede and gives
    /// the engine the sockets' counts so far.
    func poll(_ engine: inout Engine) {
        for i in sockets.indices {
            for r in sockets[i].output.takeAll() { take(r, from: i) }
        }
        replayTaken(&engine)
    }

    /// Replays the events of the reports taken so far that no socket can still precede, and
    /// gives the engine the sockets' counts as of those reports (for an interval, right after
    /// `openPackets`: no report made after a socket's answer is taken, so no flow is both open
    /// in the answer and ended in the engine or among the waiting ones).
    func replayTaken(_ engine: inout Engine) {
        replay(upTo: watermark.min() ?? .min, &engine)
        engine.socketsReported(packets: packetCounts, flows: flowCounters)
    }

    /// Stops every socket's thread, replays everything they reported and hands their flow
    /// tables to the engine (which ends their live flows in `finish`).
    func stop(_ engine: inout Engine) {
        for s in sockets { s.stop.store(true, ordering: .relaxed) }
        var tables: [FinishedTable] = []
        for i in sockets.indices {
            while true {
                guard let r = sockets[i].output.take() else { preconditionFailure("a capture socket's thread ended without its last report") }
                take(r, from: i)
                if let t = r.table { tables.append(t); break }
            }
        }
        replay(upTo: .max, &engine)
        engine.socketsReported(packets: packetCounts, flows: flowCounters)
        engine.adopt(tables)
    }

    /// Per hybrid rule, the packets the flows open on every socket sent its way so far (for an
    /// interval's snapshot): each socket's thread counts its own when asked, seeing `topology`.
    func openPackets(topology: Topology) -> [Int] {
        var total = Array(repeating: 0, count: PortTables.hybrid.count)
        for s in sockets { s.ask(topology) }
        for i in sockets.indices {
            let asked = sockets[i].asked
            while true {
                guard let r = sockets[i].output.take() else { preconditionFailure("a capture socket's thread ended while asked for its open flows") }
                take(r, from: i)
                if let open = r.open, r.answers == asked {
                    for (k, n) in open.enumerated() { total[k] += n }
                    break
                }
            }
        }
        return total
    }

    /// Per hybrid rule, the packets of the flows that ended on a socket but wait to be replayed
    /// (another socket may still report something earlier): neither open on their socket nor
    /// in the engine yet, so an interval's status counts them with the open flows.
    func waitingPackets(topology: Topology) -> [Int] { Self.waitingPackets(pending, topology: topology) }

    static func waitingPackets(_ pending: [[ShardEvent]], topology: Topology) -> [Int] {
        var rules = PortTables.hybrid.map { RuleStatus(rule: $0) }
        for events in pending {
            for e in events { if case .ended(let f) = e.payload { Compliance.countOpen(f.record, topology: topology, into: &rules) } }
        }
        return rules.map(\.openPackets)
    }

    private func take(_ r: SocketReport, from i: Int) {
        pending[i] += r.events
        watermark[i] = max(watermark[i], r.watermark)
        var kept = r
        kept.events = []
        kept.table = nil
        last[i] = kept
    }

    /// Replays, in timestamp order, every event of a packet (or sweep) at or before `upTo`.
    private func replay(upTo: Int, _ engine: inout Engine) {
        Self.replay(&pending, upTo: upTo, merging: &merged, into: &engine, dns: dns)
    }

    /// Replays, in timestamp order, the events of `pending` (per socket) at or before `upTo`,
    /// gathered in `merged`; the arrays left empty keep room for at most `eventsKept` events.
    static func replay(_ pending: inout [[ShardEvent]], upTo: Int, merging merged: inout [ShardEvent],
                       into engine: inout Engine, dns: DNSBook) {
        for i in pending.indices where !pending[i].isEmpty {
            merged += pending[i].lazy.filter { $0.index <= upTo }
            pending[i].removeAll { $0.index <= upTo }
            if pending[i].isEmpty { pending[i].removeAll(keepingAtMost: eventsKept, reserving: 0) }
        }
        ShardEvent.replay(&merged, into: &engine, dns: dns)
        merged.removeAll(keepingAtMost: eventsKept, reserving: 0)
    }

    private var packetCounts: CaptureSummary {
        var s = CaptureSummary()
        for r in last { if let r { s.addPacketCounts(of: r.packets) } }
        return s
    }

    private var flowCounters: FlowCounters {
        var c = FlowCounters()
        for r in last { if let r { c.add(r.flows) } }
        return c
    }
}

/// What a capture socket's thread reports, every `LiveShards.reportEvery` packets or
/// `LiveSocket.reportPeriod`, and once more when it stops (with its flow table).
struct SocketReport {
    /// libpcap's counters for one socket: what its thread counted, and pcap_stats's drops.
    struct Statistics {
        var packets = 0
        var kernelDrops = 0
        var interfaceDrops = 0
    }
    /// Every event of a packet captured at or before this time (ns) has been reported.
    var watermark: Int
    var events: [ShardEvent]
    var packets: CaptureSummary
    var flows: FlowCounters
    var liveFlows: Int
    var statistics: Statistics
    /// Per hybrid rule, the packets of this socket's open flows, when asked (`LiveShards.openPackets`),
    /// and which question this answers.
    var open: [Int]? = nil
    var answers = 0
    /// The last report's: the socket's flow table, its live flows ended.
    var table: FinishedTable?
}

/// One capture socket and the thread that reads it; its shard of the flows is tracked by a
/// `ShardWorker` whose events are tagged with packet timestamps.
final class LiveSocket: @unchecked Sendable {
    // Sendable: the capture and the worker are used by the socket's thread only once it
    // started; `output` locks and `stop` is atomic.
    private let capture: LiveCapture
    private let worker: ShardWorker
    let output = BatchQueue<SocketReport>(limit: 64)
    let stop = Atomic<Bool>(false)
    /// The number of the last request for open-flow counts, and the topology to judge them by.
    private let question = Atomic<Int>(0)
    private let questionLock = NSLock()
    private var questionTopology: Topology?

    /// An idle socket reports this often (ns), so that the others' events are not held back.
    static let reportPeriod: Int64 = 100_000_000
    /// How long a captured packet may wait in the kernel's ring before `dispatch` can see it
    /// (ns): libpcap's TPACKET_V3 ring hands on a block when it is full or its timeout (100 ms,
    /// `LiveCapture`) fires, so an empty `dispatch` vouches only for packets this much older.
    static let ringDelay: Int64 = 150_000_000

    init(capture: LiveCapture, worker: ShardWorker) {
        self.capture = capture
        self.worker = worker
    }

    /// Asks the socket's thread for its open flows' packets per rule (see `SocketReport.open`).
    func ask(_ topology: Topology) {
        questionLock.withLock { questionTopology = topology }
        question.add(1, ordering: .releasing)
    }

    /// The number of the last question asked.
    var asked: Int { question.load(ordering: .acquiring) }

    /// Per hybrid rule, the packets of the flows open in `t` (as `Engine.snapshot` counts its own).
    private func openPackets(_ t: inout FlowTracker) -> [Int] {
        guard let topology = questionLock.withLock({ questionTopology }) else { return [] }
        var rules = PortTables.hybrid.map { RuleStatus(rule: $0) }
        for i in 0..<t.table.count { Compliance.countOpen(t.table[i], topology: topology, into: &rules) }
        return rules.map(\.openPackets)
    }

    /// The socket's thread: dispatches its packets captured from `start` on until `stop`, then
    /// for `ringDelay` more the ones left in its ring, and hands over its flow table.
    func run(sweepEvery interval: Int64, from start: Int64) {
        // Locals of this thread: no exclusivity check per packet.
        var t = worker.makeTracker()
        t.sweepsItself = true
        var counts = CaptureSummary()
        var cache = LinkTypeCache()
        let w = worker
        var sinceReport = 0
        var nextReport = wallClock() &+ Self.reportPeriod
        var nextSweep = wallClock() &+ interval
        var answered = 0
        var stopAt = Int64.max
        while true {
            // Once asked to stop, what waits in the ring (open blocks too) is dispatched for `ringDelay`.
            if stopAt == .max, stop.load(ordering: .relaxed) { stopAt = wallClock() }
            let before = wallClock()
            let n = capture.dispatch { p in
                var d = DecodedPacket()
                guard p.timestamp >= start, counts.account(p, &cache, into: &d) else { return }
                w.track(d, timestamp: p.timestamp, bytes: p.bytes, index: Int(p.timestamp), &t)
            }
            if stopAt != .max, before >= stopAt &+ Self.ringDelay { break }
            if n == 0 { capture.wait(milliseconds: 20) }
            sinceReport &+= n
            let now = wallClock()
            if now >= nextSweep {
                nextSweep = now &+ interval
                if now > counts.lastTimestamp ?? .min { w.sweep(now: now, index: Int(now), &t) }
            }
            let wanted = asked
            guard sinceReport >= LiveShards.reportEvery || now >= nextReport || wanted != answered else { continue }
            // An empty ring at `before`: every packet captured `ringDelay` before it has been seen.
            let through = n == 0 ? max(Int(before &- Self.ringDelay), Int(counts.lastTimestamp ?? 0)) : Int(counts.lastTimestamp ?? 0)
            var r = report(through: through, counts.flushing(cache), &t)
            if wanted != answered {
                answered = wanted
                r.open = openPackets(&t)
                r.answers = wanted
            }
            output.put(r)
            sinceReport = 0
            nextReport = now &+ Self.reportPeriod
        }
        var r = report(through: .max, counts.flushing(cache), &t)
        r.table = FinishedTable(t)
        output.put(r)
    }

    private func report(through watermark: Int, _ counts: CaptureSummary, _ t: inout FlowTracker) -> SocketReport {
        let s = capture.statistics()
        return SocketReport(watermark: watermark, events: worker.takeEvents(), packets: counts, flows: FlowCounters(t), liveFlows: t.table.count,
                            statistics: .init(packets: counts.packets, kernelDrops: s.dropped, interfaceDrops: s.interfaceDropped), table: nil)
    }
}

extension FlowCounters {
    /// No flows counted.
    init() {
        evicted = 0
        expired = 0
        peakLive = 0
        notInspected = 0
        reassemblyPeak = 0
        streamsOutOfMemory = 0
        dtlsMessagesOutOfMemory = 0
        sdpEvicted = 0
    }
}
