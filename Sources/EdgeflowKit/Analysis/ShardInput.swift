/// A flow worker's own walk over the capture files: every packet of every file, in the order
/// `AnalyzeJob.drive` hands them to the engine (one file after another, or interleaved by
/// timestamp with ties to the earlier file), read through the worker's own readers.
struct ShardInput {
    private var readers: [MappedCaptureReader]
    private var heads: [Packet?]
    private let interleaved: Bool
    private var current = 0

    /// Readers on `files`; a file whose reader cannot be made here (it could not be on the
    /// reading thread either, which has reported it) gives no packets.
    init(files: [FileLease], merge: MergeOrder) {
        var readers = files.compactMap { try? $0.reader() }
        interleaved = merge == .time && readers.count > 1
        var heads: [Packet?] = []
        if interleaved { for i in readers.indices { heads.append(readers[i].next()) } }
        self.readers = readers
        self.heads = heads
    }

    /// The next packet; its bytes stay valid until the next call.
    @inline(__always)
    mutating func next() -> Packet? {
        guard interleaved else {
            while current < readers.count {
                if let p = readers[current].next() { return p }
                current += 1
            }
            return nil
        }
        var pick = -1
        var best = Int64.max
        for i in heads.indices {
            if let p = heads[i], pick < 0 || p.timestamp < best { pick = i; best = p.timestamp }
        }
        guard pick >= 0, let packet = heads[pick] else { return nil }
        heads[pick] = readers[pick].next()
        return packet
    }
}
