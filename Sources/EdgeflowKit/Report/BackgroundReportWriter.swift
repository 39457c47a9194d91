import Foundation

/// Passes flows to another writer on a thread of its own, in the order given, a batch at a
/// time: a sharded run's calling thread then only classifies each flow, and the formatting
/// (half of a flow's cost at the end of input) runs beside it. At most `queuedBatches`
/// batches wait; `finish` writes the rest, then the final report.
final class BackgroundReportWriter: ReportWriter, @unchecked Sendable {
    private enum Item {
        case flows([FlowSummary])
        case interval(LiveStatus)
        case call(Call)
    }

    private let inner: any ReportWriter
    private let queue: BatchQueue<Item>
    private var batch: [FlowSummary] = []
    private let done = DispatchSemaphore(value: 0)
    static let batchSize = 256

    init(_ inner: any ReportWriter, queuedBatches: Int = 16) {
        self.inner = inner
        queue = BatchQueue(limit: queuedBatches)
        batch.reserveCapacity(Self.batchSize)
        let thread = Thread { [self] in run() }
        thread.name = "edgeflow-report"
        thread.start()
    }

    private func run() {
        ProcessTuning.growThreadHeap(ProcessTuning.endingHeap)
        while let item = queue.take() {
            switch item {
            case .flows(let flows): for f in flows { inner.flow(f) }
            case .interval(let status): inner.interval(status)
            case .call(let call): inner.call(call)
            }
        }
        done.signal()
    }

    func flow(_ flow: FlowSummary) {
        batch.append(flow)
        if batch.count >= Self.batchSize { send() }
    }

    func interval(_ status: LiveStatus) {
        send()
        queue.put(.interval(status))
    }

    func call(_ call: Call) {
        send()
        queue.put(.call(call))
    }

    func finish(_ report: FinalReport) {
        send()
        queue.close()
        done.wait()
        inner.finish(report)
    }

    private func send() {
        guard !batch.isEmpty else { return }
        queue.put(.flows(batch))
        batch = []
        batch.reserveCapacity(Self.batchSize)
    }
}
