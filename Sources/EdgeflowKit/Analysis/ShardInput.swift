/// The packets of a run's files as a worker of a sharded run walks them: on readers of its own
/// (each on its own mapping, `FileLease.reader()`), in the order the calling thread reads them
/// (`AnalyzeJob.drive`: interleaved by time through an `InterleavedInput`, or one file after
/// another), so that packet `k` is the same packet in every thread.
struct ShardInput: @unchecked Sendable {
    // Sendable: made on the calling thread and moved to the worker's, which alone uses it.
    let readers: [MappedCaptureReader]
    /// Interleaved by time (`--merge time` and several files), else one file after another.
    let interleaved: Bool

    init(_ readers: [MappedCaptureReader], merge: MergeOrder) {
        self.readers = readers
        interleaved = merge == .time && readers.count > 1
    }
}
