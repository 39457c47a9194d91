/// The packets of several capture files interleaved by timestamp, ties to the earlier file
/// (`--merge time`), as `AnalyzeJob.drive` reads them; one file after another it reads in a
/// loop of its own.
struct InterleavedInput<R: PacketReader> {
    /// Every file's reader.
    private(set) var readers: [R]
    /// Per file, its next packet not handed out yet (nil once the file is over).
    private var heads: [Packet?]

    init(readers: [R]) {
        var readers = readers
        var heads: [Packet?] = []
        for i in readers.indices { heads.append(readers[i].next()) }
        self.readers = readers
        self.heads = heads
    }

    /// The next packet and the index of its file; the packet's bytes stay valid until the next call.
    @inline(__always)
    mutating func next() -> (packet: Packet, file: Int)? {
        var pick = -1
        var best = Int64.max
        for i in heads.indices {
            if let p = heads[i], pick < 0 || p.timestamp < best { pick = i; best = p.timestamp }
        }
        guard pick >= 0, let packet = heads[pick] else { return nil }
        heads[pick] = readers[pick].next()
        return (packet, pick)
    }

    /// File `i`'s next packet not handed out yet (nil once the file is over).
    func head(_ i: Int) -> Packet? { heads[i] }
}
