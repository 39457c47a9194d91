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
    // the queue's lock); `batch` and `at` are the calling thread's.

    /// Flows in a batch (unless the run says fewer: `ShardedRun.endingBatchFlows`), and
    /// batches waiting at most.
    static let batchFlows = 512
    static let batchesWaiting = 8

    private let table: FinishedTable
    private let queue = BatchQueue<[ClassificationStage.Prepared]>(limit: TableEnding.batchesWaiting)
    private var batch: [ClassificationStage.Prepared] = []
    private var at = 0

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
        var out: [ClassificationStage.Prepared] = []
        out.reserveCapacity(batchFlows)
        for f in order where f.place >> 32 == shard {
            let i = f.place & 0xFFFF_FFFF
            if table.tracker.table[i].inspection < 0 {
                out.append(ClassificationStage.prepare(table.tracker.table[i], .endOfInput, nil, &topology, names: names))
            } else {
                var e = table.tracker.endedFlow(at: i)
                // The facts moved on, not copied (as `Engine.endAtEndOfInput` does for one thread).
                let app = ClassificationStage.appReport(e.record, e.inspection.take(), certificates: certificates)
                out.append(ClassificationStage.prepare(e.record, .endOfInput, app, &topology, names: names))
            }
            if out.count == batchFlows {
                queue.put(out)
                out = []
                out.reserveCapacity(batchFlows)
            }
        }
        if !out.isEmpty { queue.put(out) }
        queue.close()
    }

    /// Hands `body` the next flow ended, in creation order, where it lies in its batch (a
    /// flow classified and summarised is some 600 bytes and a dozen references: not copied).
    /// The calling thread's.
    func next(_ body: (borrowing ClassificationStage.Prepared) -> Void) {
        if at == batch.count {
            guard let b = queue.take() else { preconditionFailure("a table's ending thread ended fewer flows than the table held") }
            batch = b
            at = 0
        }
        at += 1
        batch.withUnsafeBufferPointer { body($0[at - 1]) }
    }

    /// Waits until the ending thread is done with the table (every flow taken by `next`).
    func waitUntilDone() {
        precondition(queue.take() == nil, "a table's ending thread ended more flows than were taken")
        batch = []
    }
}
