/// The packets of every capture file in the order the engine takes them: one file after
/// another, or interleaved by timestamp with ties to the earlier file. `AnalyzeJob.drive`
/// interleaves through one of these (one file after another it reads in a loop of its own, in
/// the same order).
struct ShardInput<R: PacketReader> {
    /// Every file's reader; one file after another, the one being read is `reading` instead
    /// (its slot here is stale until the file is over).
    private(set) var readers: [R]
    private var heads: [Packet?]
    /// One file after another: the reader of file `current`, held out of `readers` so that
    /// reading a packet checks no array's uniqueness (nil once every file is over).
    private var reading: R?
    /// Interleaved by timestamp (several files, `MergeOrder.time`); else one file after another.
    let interleaved: Bool
    private var current = 0

    /// Reads `readers`, combined as `merge` says.
    init(readers: [R], merge: MergeOrder) {
        var readers = readers
        interleaved = merge == .time && readers.count > 1
        var heads: [Packet?] = []
        if interleaved { for i in readers.indices { heads.append(readers[i].next()) } }
        self.readers = readers
        self.heads = heads
        reading = interleaved ? nil : readers.first
    }

    /// The next packet and the index of its file; the packet's bytes stay valid until the next call.
    @inline(__always)
    mutating func next() -> (packet: Packet, file: Int)? {
        guard interleaved else {
            if let p = reading?.next() { return (p, current) }
            return nextFile()
        }
        var pick = -1
        var best = Int64.max
        for i in heads.indices {
            if let p = heads[i], pick < 0 || p.timestamp < best { pick = i; best = p.timestamp }
        }
        guard pick >= 0, let packet = heads[pick] else { return nil }
        heads[pick] = readers[pick].next()
        return (packet, pick)
    }

    /// One file after another, the current file is over: the first packet of the next file
    /// that has one.
    private mutating func nextFile() -> (packet: Packet, file: Int)? {
        while let r = reading {
            readers[current] = r
            current += 1
            reading = current < readers.count ? readers[current] : nil
            if let p = reading?.next() { return (p, current) }
        }
        return nil
    }

    /// When interleaved, file `i`'s next packet not handed out yet (nil once the file is over).
    func head(_ i: Int) -> Packet? { heads[i] }
}
