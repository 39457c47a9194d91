import Foundation

/// A flow table ended at the end of input on a thread of its own (with several threads every
/// table is: the workers', the live sockets', and the calling thread's own): the thread ends the
/// table's live flows in creation order, builds each inspected flow's report part
/// (`ClassificationStage.appReport`), classifies and summarises it (`ClassificationStage.prepare`,
/// by the run's final topology and DNS names) and streams them, in batches through a bounded
/// queue, to the calling thread, which adds them to the run's counters, calls and report in the
/// run's one creation order (`Engine.finish`). The calling thread touches the table again only
/// once the stream is done (`waitUntilDone`); a flood's millions of flows are held once, plus at
/// most `batchesWaiting` batches.
final class TableEnding: @unchecked Sendable {
    // Sendable: the table is used by the ending thread alone from `init` until the queue is
    // closed, and by the calling thread alone after `take` has seen it closed (both under
    // the queue's lock); `batch` is the calling thread's.

    /// Flows in a batch (unless the run says fewer: `ShardedRun.endingBatchFlows`), and
    /// batches waiting at most.
    static let batchFlows = 512
    static let batchesWaiting = 8

    private let table: FinishedTable
    private let queue = BatchQueue<PreparedBatch>(limit: TableEnding.batchesWaiting)
    private var batch: PreparedBatch? = nil

    /// Starts ending the live flows of `table`, which are those of `order` (the run's live
    /// flows in creation order, `Engine.finish`'s) whose place is in table `shard`, classified
    /// by `topology` with the ends' DNS `names` (both final), handed over `batchFlows` at a time.
    init(_ table: FinishedTable, shard: Int, order: [(sequence: Int, place: Int)], topology: Topology, names: [IPAddress: String],
         batchFlows: Int = TableEnding.batchFlows) {
        self.table = table
        let thread = Thread { self.run(shard: shard, order: order, topology: topology, names: names, batchFlows: max(1, batchFlows)) }
        thread.name = "edgeflow-ending"
        thread.start()
    }

    private func run(shard: Int, order: [(sequence: Int, place: Int)], topology: Topology, names: [IPAddress: String], batchFlows: Int) {
        ProcessTuning.growThreadHeap(ProcessTuning.endingHeap)
        let certificates = CertificateCache()
        var topology = topology
        var nameBoxes = FlowNameBoxes()
        var out = PreparedBatch(capacity: batchFlows)
        for f in order where f.place >> 32 == shard {
            let i = f.place & 0xFFFF_FFFF
            if table.tracker.table[i].inspection < 0 {
                out.append(ClassificationStage.prepare(table.tracker.table[i], .endOfInput, nil, table.tracker.icmpErrors(at: i), &topology,
                                                       names: names, nameBoxes: &nameBoxes))
            } else {
                // The facts moved on, not copied, and the record read where it lies (as
                // `Engine.endAtEndOfInput` does for one thread).
                let facts = table.tracker.endedInspection(at: i)
                let app = ClassificationStage.appReport(table.tracker.table[i], facts, certificates: certificates)
                out.append(ClassificationStage.prepare(table.tracker.table[i], .endOfInput, app, table.tracker.icmpErrors(at: i), &topology,
                                                       names: names, nameBoxes: &nameBoxes))
            }
            if out.count == batchFlows {
                queue.put(out)
                out = PreparedBatch(capacity: batchFlows)
            }
        }
        if out.count > 0 { queue.put(out) }
        queue.close()
    }

    /// Hands `body` the next flow ended, in creation order, moved out of its batch (a flow
    /// classified and summarised is some 600 bytes and a dozen references: borrowed from the
    /// batch, it was copied and its references retained and released once more). The calling thread's.
    func next(_ body: (borrowing ClassificationStage.Prepared) -> Void) {
        if batch == nil || batch.unsafelyUnwrapped.isDone {
            guard let b = queue.take() else { preconditionFailure("a table's ending thread ended fewer flows than the table held") }
            batch = b
        }
        let p = batch.unsafelyUnwrapped.take()
        body(p)
    }

    /// Waits until the ending thread is done with the table (every flow taken by `next`).
    func waitUntilDone() {
        precondition(queue.take() == nil, "a table's ending thread ended more flows than were taken")
        batch = nil
    }
}

/// Flows an ending thread classified and summarised (`TableEnding`), handed to the calling
/// thread at once and moved out there one by one, in order.
final class PreparedBatch: @unchecked Sendable {
    // Sendable: filled by the ending thread alone, then emptied by the calling thread alone
    // (handed over under the queue's lock).
    private let base: UnsafeMutablePointer<ClassificationStage.Prepared>
    private let capacity: Int
    private(set) var count = 0
    /// Flows moved out so far (from the first on).
    private var taken = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        (base + taken).deinitialize(count: count - taken)
        base.deallocate()
    }

    var isDone: Bool { taken == count }

    func append(_ p: consuming ClassificationStage.Prepared) {
        precondition(count < capacity, "a batch of ended flows holds at most its capacity")
        (base + count).initialize(to: p)
        count += 1
    }

    /// The next flow, moved out (not copied).
    func take() -> ClassificationStage.Prepared {
        precondition(taken < count, "no flow left in the batch")
        taken += 1
        return (base + taken - 1).move()
    }
}
