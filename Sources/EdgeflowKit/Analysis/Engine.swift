/// The analysis engine that `analyze`, `live` and sharded runs share. Packets go in one at a
/// time (`ingest`); a live capture moves the clock on without a packet (`expire`) and takes an
/// interval report (`snapshot`); `finish` ends every flow and completes the summary, and
/// `finishReport` writes the final report. Recognised services and ended flows go to the
/// classification stage (when there is one) as they happen, in the order one thread sees them.
///
/// With several threads the flows are split into shards by their key's hash (`ShardedRun`);
/// this engine's flow table is then the calling thread's shard. One thread is the plain case:
/// nothing is added per packet but one test of `shards`. No allocation per packet.
public struct Engine: ~Copyable {
    /// The flow table (with several threads: the calling thread's own shard).
    var tracker: FlowTracker
    /// Packets, bytes and flows counted so far (`currentSummary` adds the flow tables' counters).
    public var summary: CaptureSummary {
        var s = counts.flushing(linkCache)
        s.add(span)
        return s
    }
    /// Packets taken so far.
    var packets: Int { counts.packets }
    /// `summary` but the packets of the last run of one link type (`linkCache.run`) and the
    /// times of the packets since the current file began (`span`).
    private var counts = CaptureSummary()
    private var linkCache = LinkTypeCache()
    private var span = TimeSpan()
    /// Per IP protocol number, its place in `counts.flowsByProto` (-1 until its first flow ends).
    private var protoSlots = [Int16](repeating: -1, count: 256)
    /// The other shards, with several threads.
    private let shards: ShardedRun?
    /// The calling thread's per-packet state, with several threads.
    private var own: OwnShard?
    /// Where flows are classified and written; nil for tools that only track flows.
    private let output: Output?
    private let reassemblyMemory: Int
    /// A live capture on several sockets (`LiveShards`), whose threads track every flow (this
    /// engine then ingests no packet): their packets and flow counters as last reported, added
    /// by `currentSummary`, and their flow tables once they stopped.
    private var socketPackets: CaptureSummary?
    private var socketFlows: FlowCounters?
    private var adopted: [FinishedTable] = []

    /// What a reporting engine hands its flows to.
    private struct Output {
        let stage: ClassificationStage
        let writer: any ReportWriter
        let dns: DNSBook
    }

    /// An engine that tracks and counts flows on one thread, classifying and writing nothing
    /// (for tools and benchmarks that drive it directly).
    public init(settings: FlowSettings) {
        tracker = FlowTracker(settings: settings, dns: DNSBook())
        shards = nil
        output = nil
        reassemblyMemory = settings.reassemblyMemory
    }

    /// An engine for a run of `options` that writes its flows and reports to `writer`.
    /// - Parameters:
    ///   - threads: with more than 1, the flows are shared with `threads - 1` workers, which
    ///     take their packets from this thread in batches (`ShardedRun`), and written from a
    ///     thread of their own.
    ///   - files: the mapped files whose packets will be ingested (whose pages this thread's
    ///     readers keep while a worker has packets there to do); with several threads only.
    init(options: AnalyzeOptions, topology: Topology, writer: any ReportWriter, threads: Int = 1, files: [FileLease] = []) {
        let dns = DNSBook()
        var options = options
        if writer.readsTransactions { options.flow.transactionLogs = true }
        let sharded = threads > 1
        let writer = sharded ? BackgroundReportWriter(writer) : writer
        let stage = options.makeStage(topology: topology, writer: writer, dns: dns)
        if sharded {
            let run = ShardedRun(threads: threads, batchItems: options.shardBatchItems, settings: options.flow, files: files, dns: dns)
            tracker = run.makeOwnTracker()
            own = run.makeOwnShard()
            shards = run
        } else {
            tracker = FlowTracker(settings: options.flow, dns: dns)
            shards = nil
        }
        output = Output(stage: stage, writer: writer, dns: dns)
        reassemblyMemory = options.flow.reassemblyMemory
    }

    // MARK: packets

    /// Processes one packet; flows it ends or names are handed on at once.
    /// - Parameter file: the index of the packet's file among the run's `files` (with several
    ///   threads, whose workers read its bytes later).
    @inline(__always)
    public mutating func ingest(_ packet: Packet, file: Int = 0) {
        counts.countRecord(packet, &linkCache, times: &span)
        if shards != nil { shardedPacket(packet, file: file) } else { onePacket(packet) }
    }

    /// Takes the packets of `reader` (one file of the run, read after the one before) until it
    /// has none left (nil), or until `limit` packets in all have been taken: then returns where
    /// the last one ended in its file (-1 when the reader cannot tell), for the caller's progress.
    /// One thread's packets are tracked here with `onePacket`'s work in place: no call, and no
    /// `Packet` stored for one, per packet.
    @inline(never)
    mutating func ingest<R: PacketReader>(from reader: inout R, file: Int, until limit: Int) -> Int? {
        if shards != nil { return ingestSharded(from: &reader, file: file, until: limit) }
        while let packet = reader.next() {
            counts.countRecord(packet, &linkCache, times: &span)
            tracker.prefetch(aheadOf: &reader)
            take(packet)
            if counts.packets >= limit { return Self.end(of: packet) }
        }
        return nil
    }

    /// `ingest(from:file:until:)` of a sharded run: the calling thread's part of each packet
    /// (`OwnShard.take`) in place, with the `OwnShard` held as a local (no optional to unwrap
    /// and no `Packet` stored for a call per packet).
    @inline(__always)
    private mutating func ingestSharded<R: PacketReader>(from reader: inout R, file: Int, until limit: Int) -> Int? {
        guard let run = shards, var own = own.take() else { preconditionFailure("a sharded engine has its own shard") }
        defer { self.own = own }
        while let packet = reader.next() {
            counts.countRecord(packet, &linkCache, times: &span)
            if own.take(packet, index: counts.packets, file: file, &counts, &tracker) { run.flush(upTo: counts.packets, &self) }
            if counts.packets >= limit { return Self.end(of: packet) }
        }
        return nil
    }

    /// Where `packet` ends in its file, or -1.
    private static func end(of packet: Packet) -> Int {
        packet.fileOffset >= 0 ? packet.fileOffset &+ packet.capturedLength : -1
    }

    /// A packet of a one-thread run: decoded, counted and tracked. Neither path is inlined
    /// into `ingest`, so that each is small enough to have its own callees inlined whole.
    @inline(never)
    private mutating func onePacket(_ packet: Packet) { take(packet) }

    /// `onePacket`'s work; transparent, so that the reading loop (`ingest(from:file:until:)`)
    /// has it in place too (`@inline(__always)` is not enough for a function this size).
    @_transparent
    private mutating func take(_ packet: Packet) {
        if let u = PacketDecoder.plainDatagram(packet.bytes, linkType: packet.linkType) {
            // What `countDecoded` counts of such a packet.
            counts.ipPackets &+= 1
            tracker.trackDatagram(u, timestamp: packet.timestamp, bytes: packet.bytes, index: counts.packets)
        } else {
            otherPacket(packet.bytes, originalLength: packet.originalLength, linkType: packet.linkType, timestamp: packet.timestamp)
        }
        if tracker.eventsPending { passEvents() }
    }

    /// A packet of a one-thread run other than a `PlainDatagram`: a `PlainSegment` read in
    /// place and tracked (`FlowTracker.trackSegment`), any other frame decoded in full
    /// (`decodedPacket`). Not inlined, so that `onePacket` stays small enough to have the RTP
    /// path inlined whole; it takes the packet's fields, not the `Packet`, which the reading
    /// loop would otherwise store for it at every packet.
    @inline(never)
    private mutating func otherPacket(_ bytes: UnsafeRawBufferPointer, originalLength: Int, linkType: LinkType, timestamp: Int64) {
        guard let s = PacketDecoder.plainSegment(bytes, linkType: linkType) else {
            return decodedPacket(bytes, originalLength: originalLength, linkType: linkType, timestamp: timestamp)
        }
        // What `countDecoded` counts of such a packet.
        counts.ipPackets &+= 1
        tracker.trackSegment(s, timestamp: timestamp, bytes: bytes, index: counts.packets)
    }

    /// A packet of a one-thread run other than a plain datagram or segment: decoded, counted
    /// and tracked.
    @inline(never)
    private mutating func decodedPacket(_ bytes: UnsafeRawBufferPointer, originalLength: Int, linkType: LinkType, timestamp: Int64) {
        var d = DecodedPacket()
        PacketDecoder.decode(bytes, originalLength: originalLength, linkType: linkType, into: &d)
        guard counts.countDecoded(d) else { return }
        tracker.track(d, timestamp: timestamp, bytes: bytes, index: counts.packets)
    }

    /// A packet of a sharded run: decoded, counted and tracked when it is this thread's (or
    /// belongs to no flow), else put in its worker's batch; the batches handed over and the
    /// shards' events replayed every `ShardedRun.flushEvery` packets (or `flushBytes` bytes).
    @inline(never)
    private mutating func shardedPacket(_ packet: Packet, file: Int) {
        let index = counts.packets
        if own!.take(packet, index: index, file: file, &counts, &tracker), let shards { shards.flush(upTo: index, &self) }
    }

    /// Hands on the flows just recognised, then those just ended (`FlowTracker.eventsPending`).
    private mutating func passEvents() {
        tracker.eventsPending = false
        if !tracker.recognised.isEmpty { passRecognised() }
        if !tracker.ended.isEmpty { passEnded() }
    }

    /// Hands on the flows whose service was just recognised.
    private mutating func passRecognised() {
        for r in tracker.recognised { recognised(r) }
        tracker.recognised.removeAll(keepingCapacity: true)
    }

    /// Hands on the flows just ended, in the order they ended (flows ended by the same packet
    /// in creation order).
    private mutating func passEnded() {
        if tracker.ended.count > 1 { tracker.ended.sort { $0.record.sequence < $1.record.sequence } }
        for e in tracker.ended { ended(e) }
        tracker.drainedEnded()
    }

    /// A flow's service was recognised: evidence for role inference.
    mutating func recognised(_ r: FlowRecord) {
        output?.stage.recognised(r)
    }

    /// A flow ended: counted and classified.
    mutating func ended(_ e: EndedFlow) {
        countFlow(e.record.key.proto)
        output?.stage.ended(e)
    }

    private mutating func countFlow(_ proto: UInt8) { countFlows(proto, 1) }

    /// `n` more flows of `proto`; a protocol first counted takes the next place in `flowsByProto`.
    private mutating func countFlows(_ proto: UInt8, _ n: Int) {
        counts.flows &+= n
        let slot = Int(protoSlots[Int(proto)])
        if slot >= 0 { return counts.flowsByProto[slot].flows &+= n }
        protoSlots[Int(proto)] = Int16(counts.flowsByProto.count)
        counts.flowsByProto.append((FlowSummary.protoName(proto), n))
    }

    // MARK: clock and snapshots

    /// Ends flows idle at `now` (a live capture's clock, when no packet moved time on).
    public mutating func expire(now: Int64) {
        let last = span.isEmpty ? counts.lastTimestamp : max(span.last, counts.lastTimestamp ?? .min)
        if let last, now <= last { return }
        precondition(shards == nil, "a sharded run reads files, whose packets move its clock; it has no live clock to expire flows by")
        tracker.sweep(now: now)
        if !tracker.ended.isEmpty { passEnded() }
    }

    /// Flows live now (with several threads: the calling thread's shard, until `finish`).
    public var liveFlows: Int { tracker.table.count }

    /// TCP segments the workers' flow tables tracked from their frames' fields
    /// (`FlowTracker.plainSegmentsTracked`), once `finish` brought the tables back: tests read it.
    var workersPlainSegmentsTracked: Int { (shards?.finishedTables ?? []).reduce(0) { $0 + $1.tracker.plainSegmentsTracked } }

    /// The summary with the flow tables' counters as they are now (with several threads, the
    /// other shards' are added once `finish` has brought their tables back).
    public var currentSummary: CaptureSummary {
        var counters = FlowCounters(tracker)
        for shard in shards?.finishedTables ?? [] { counters.add(FlowCounters(shard.tracker)) }
        for socket in adopted { counters.add(FlowCounters(socket.tracker)) }
        if let socketFlows { counters.add(socketFlows) }
        var s = summary
        if let socketPackets { s.addPacketCounts(of: socketPackets) }
        counters.apply(to: &s, memoryLimit: reassemblyMemory)
        return s
    }

    /// The report of everything so far while input goes on (a live run's interval): the flows
    /// waiting for role evidence are classified with what is known now, and the flows still
    /// open add the packets they sent so far to the rules' `openPackets`.
    /// - Parameter openPackets: per rule, the packets of open flows the engine does not hold
    ///   (a live capture's sockets', `LiveShards.openPackets`).
    mutating func snapshot(openPackets: [Int] = []) -> FinalReport {
        let o = reporting
        o.stage.finish()
        var report = o.stage.report(capture: currentSummary, dns: o.dns, final: false)
        for i in 0..<tracker.table.count {
            Compliance.countOpen(tracker.table[i], topology: o.stage.topology, into: &report.rules)
        }
        for (i, n) in openPackets.enumerated() where i < report.rules.count { report.rules[i].openPackets += n }
        return report
    }

    /// The topology as the run knows it now (roles inferred so far included).
    var topology: Topology { reporting.stage.topology }

    /// Passes an interval's status to the writers.
    func interval(_ status: LiveStatus) { reporting.writer.interval(status) }

    private var reporting: Output {
        guard let output else { preconditionFailure("Engine(settings:) classifies and reports nothing; use Engine(options:topology:writer:)") }
        return output
    }

    // MARK: the end

    /// Input is over: every live flow (of every shard) is ended in creation order, as one
    /// thread ends them, after the stage has seen each one's evidence and classified the flows
    /// waiting for it; the summary gets the flow tables' counters. Returns the summary. With
    /// several shards (or sockets) every table's flows are ended and classified on a thread per
    /// table (`TableEnding`), this engine's own included.
    @discardableResult
    public mutating func finish() -> CaptureSummary {
        if let shards {
            shards.finish(&self)
            for t in shards.finishedTables { counts.addDecodeCounts(of: t.decodeCounts) }
        } else if !tracker.ended.isEmpty {
            passEnded()
        }
        let others = otherTables
        // One table whose records lie in creation order (no removal moved one: a flood's) is
        // walked by index. Otherwise 16 bytes per live flow:
        // its sequence, and its table (0: the engine's own, s: the s-th other shard's or
        // socket's) and index there in one word, sorted (`CreationOrder`; for a flood's millions
        // of flows an array and the sort's buffer, tens of MB each, faulted in page by page).
        // The walk that checks the order also notes the records that may be role evidence, so
        // that the stage is handed them without a second walk over every record.
        var evidence: [Int] = []
        let inOrder = others.isEmpty && Self.inCreationOrder(tracker.table, evidence: &evidence)
        var live: [(sequence: Int, place: Int)] = []
        if !inOrder {
            live.reserveCapacity(others.reduce(tracker.table.count) { $0 + $1.tracker.table.count })
            for i in 0..<tracker.table.count { live.append((tracker.table[i].sequence, i)) }
            for (s, other) in others.enumerated() {
                for i in 0..<other.tracker.table.count { live.append((other.tracker.table[i].sequence, (s + 1) << 32 | i)) }
            }
            CreationOrder.sort(&live)
        }
        let flows = inOrder ? tracker.table.count : live.count
        let stage = output?.stage
        // Each record is handed on where it lies (a choice between two places would copy it first).
        // A flow that is no role evidence (a flood's every flow) is not handed over (a copy).
        if let stage, inOrder {
            // The first flow (it resolves the Office 365 ranges when none did yet), then those
            // that may be evidence: the flows `takesEvidence` takes, in the same order.
            if flows > 0 && stage.takesEvidence(tracker.table[0].services) { stage.recognised(tracker.table[0]) }
            for i in evidence where i > 0 && stage.takesEvidence(tracker.table[i].services) { stage.recognised(tracker.table[i]) }
        } else if let stage {
            for k in 0..<flows {
                let place = inOrder ? k : live[k].place
                let s = place >> 32, i = place & 0xFFFF_FFFF
                if s == 0 {
                    if stage.takesEvidence(tracker.table[i].services) { stage.recognised(tracker.table[i]) }
                } else if stage.takesEvidence(others[s - 1].tracker.table[i].services) {
                    stage.recognised(others[s - 1].tracker.table[i])
                }
            }
        }
        // The flows with an RTP state are most of those the calls take now (read before any
        // table is ended on a thread of its own).
        stage?.expectMedia(flows: others.reduce(tracker.dispatcher.arena.rtp.inUse) { $0 &+ $1.tracker.dispatcher.arena.rtp.inUse })
        if let stage, !others.isEmpty {
            endOnThreads(live, others, stage)
        } else {
            stage?.finish()
            var byProto = ProtocolTally()
            for k in 0..<flows {
                let place = inOrder ? k : live[k].place
                let s = place >> 32, i = place & 0xFFFF_FFFF
                if s == 0 {
                    // The records a few flows on are asked for: a flood's 168 bytes a flow
                    // (hundreds of MB) are streamed through here once more.
                    if inOrder && k &+ Self.recordsAhead < flows { tracker.table.prefetch(k &+ Self.recordsAhead) }
                    byProto.count(tracker.table[i].key.proto)
                    Self.endAtEndOfInput(&tracker, i, stage)
                } else {
                    byProto.count(others[s - 1].tracker.table[i].key.proto)  // a run that classifies nothing: counted only
                }
            }
            byProto.forEach { countFlows($0, $1) }
        }
        counts = currentSummary
        linkCache.run = 0
        span = TimeSpan()
        socketPackets = nil
        tracker.removeAll()
        shards?.releaseFinishedTables()
        for t in adopted { t.releaseLive() }
        return counts
    }

    /// Whether `table`'s records lie in the order their flows were created (their sequences
    /// never fall: true unless a removal moved the last record into a hole).
    /// `evidence` gets the indices of the records whose services may be role evidence
    /// (`RoleInference.mayBeEvidence`), in index order (complete only when the order holds).
    private static func inCreationOrder(_ table: borrowing FlowTable, evidence: inout [Int]) -> Bool {
        var last = Int.min
        for i in 0..<table.count {
            let s = table[i].sequence
            if s < last { return false }
            last = s
            if RoleInference.mayBeEvidence(table[i].services) { evidence.append(i) }
        }
        return true
    }

    /// How many records ahead the ending walk in creation order asks for (`finish`).
    private static let recordsAhead = 8

    /// With several tables (shards or sockets) each, this engine's own included, is ended on a
    /// thread of its own (`TableEnding`: report parts built, flows classified by the final
    /// topology) while this thread classifies the flows that waited for role evidence
    /// (`stage.finish()`); then it takes the ended flows back in the one creation order of
    /// `live` and adds them to the run's counters, calls and report.
    private mutating func endOnThreads(_ live: [(sequence: Int, place: Int)], _ others: [FinishedTable], _ stage: ClassificationStage) {
        // The engine's table is lent to its ending thread: an empty one stands in meanwhile.
        var lent = tracker.settings
        lent.maxFlows = 16
        lent.initialCapacity = 16
        lent.maxInspectedFlows = 1
        var standIn = FlowTracker(settings: lent)
        swap(&tracker, &standIn)
        let own = FinishedTable(standIn)
        let tables = [own] + others
        let topology = stage.topology, names = reporting.dns.names
        let batchFlows = shards?.endingBatchFlows ?? TableEnding.batchFlows
        let endings = tables.indices.map {
            TableEnding(tables[$0], shard: $0, order: live, topology: topology, names: names, batchFlows: batchFlows)
        }
        stage.finish()
        for f in live {
            endings[f.place >> 32].next { p in
                countFlow(p.record.key.proto)
                stage.endedAtEndOfInput(p)
            }
        }
        for e in endings { e.waitUntilDone() }
        swap(&tracker, &own.tracker)
    }

    /// Hands live flow `i` of `t` to `stage`, ended by the end of input. Its record is handed on
    /// from the table, not copied into an `EndedFlow` (three copies of a record for an inspected
    /// flow); an inspected flow's slab slot is given back first, and its facts are moved on, not
    /// copied: two copies retained and released each of their references (about 360 instructions
    /// an inspected flow).
    private static func endAtEndOfInput(_ t: inout FlowTracker, _ i: Int, _ stage: ClassificationStage?) {
        // Two calls: facts chosen into one value were released after the call for every flow,
        // nil or not (a call a flow of a flood).
        if t.table[i].inspection < 0 {
            stage?.endedAtEndOfInput(t.table[i], facts: nil, icmpErrors: t.icmpErrors(at: i))
        } else {
            let facts = t.endedInspection(at: i)
            stage?.endedAtEndOfInput(t.table[i], facts: facts, icmpErrors: t.icmpErrors(at: i))
        }
    }

    /// The flow tables of the other shards or sockets, once they have stopped.
    private var otherTables: [FinishedTable] { (shards?.finishedTables ?? []) + adopted }

    /// A live capture's sockets reported their packets and flow counters so far (`LiveShards`).
    mutating func socketsReported(packets: CaptureSummary, flows: FlowCounters) {
        socketPackets = packets
        socketFlows = flows
    }

    /// The sockets' threads stopped and handed over their flow tables, which `finish` ends
    /// with the engine's own (their counters now come from the tables).
    mutating func adopt(_ tables: [FinishedTable]) {
        adopted = tables
        socketFlows = nil
    }

    /// The run's DNS table, which sees the sockets' DNS messages (nil for an engine that reports nothing).
    var dns: DNSBook? { output?.dns }

    /// `finish`, then `amend` completes the summary (files, drops); the final report is
    /// written and returned.
    mutating func finishReport(_ amend: (inout CaptureSummary) -> Void = { _ in }) -> FinalReport {
        var s = finish()
        amend(&s)
        let o = reporting
        let report = o.stage.report(capture: s, dns: o.dns)
        o.writer.finish(report)
        return report
    }

    /// Where the counts stood when a file began (`beginFile`).
    struct FileStart {
        let packets: Int
        let bytes: Int
    }

    /// A file of the run begins (read one after another): the times noted so far go into the
    /// summary, so that the span holds this file's alone (`fileTally`).
    mutating func beginFile() -> FileStart {
        counts.add(span)
        span = TimeSpan()
        return FileStart(packets: counts.packets, bytes: counts.bytes)
    }

    /// The packets, bytes and times of the file begun at `start`, as far as it has been read.
    func fileTally(since start: FileStart) -> FileTally {
        FileTally(packets: counts.packets &- start.packets, bytes: counts.bytes &- start.bytes, first: span.first, last: span.last)
    }

    mutating func addWarnings(_ issues: [CaptureIssue]) { counts.warnings += issues }
    mutating func addFile(_ file: CaptureSummary.File) { counts.files.append(file) }
}

/// A flow table's counters, summed over shards: evictions, expiries, peaks (the sum of the
/// shards' peaks, at most what one table would have held), reassembly; the SDP book's
/// evictions are not summed: they are the same in every shard of `analyze` (each reads all
/// SIP), and the capture sockets of `live` share one book (`SharedSDPBook`).
struct FlowCounters {
    var evicted, expired, peakLive, notInspected, reassemblyPeak, streamsOutOfMemory, dtlsMessagesOutOfMemory, sdpEvicted: Int

    init(_ t: borrowing FlowTracker) {
        evicted = t.flowsEvicted
        expired = t.flowsExpired
        peakLive = t.peakLiveFlows
        notInspected = t.dispatcher.flowsNotInspected
        reassemblyPeak = t.dispatcher.reassemblyPeak
        streamsOutOfMemory = t.dispatcher.streamsOutOfMemory
        dtlsMessagesOutOfMemory = t.dispatcher.dtlsMessagesOutOfMemory
        sdpEvicted = t.dispatcher.sdpEvicted
    }

    mutating func add(_ o: FlowCounters) {
        evicted += o.evicted
        expired += o.expired
        peakLive += o.peakLive
        notInspected += o.notInspected
        reassemblyPeak += o.reassemblyPeak
        streamsOutOfMemory += o.streamsOutOfMemory
        dtlsMessagesOutOfMemory += o.dtlsMessagesOutOfMemory
        sdpEvicted = max(sdpEvicted, o.sdpEvicted)
    }

    func apply(to s: inout CaptureSummary, memoryLimit: Int) {
        s.flowsEvicted = evicted
        s.flowsExpired = expired
        s.peakLiveFlows = peakLive
        s.flowsNotInspected = notInspected
        s.reassembly = .init(memoryLimit: memoryLimit, peakBytes: reassemblyPeak, streamsOutOfMemory: streamsOutOfMemory,
                             dtlsMessagesOutOfMemory: dtlsMessagesOutOfMemory)
        s.sdpEndpointsEvicted = sdpEvicted
    }
}
