/// The packets of several capture files interleaved by timestamp, ties to the earlier file
/// (`--merge time`), as `AnalyzeJob.drive` reads them; one file after another it reads in a
/// loop of its own.
struct InterleavedInput<R: PacketReader> {
    /// Every file's reader.
    private(set) var readers: [R]
    /// Per file, its next packet not handed out yet (nil once the file is over); for the file
    /// in `handedOut`, the packet handed out last.
    private var heads: [Packet?]
    /// The file whose packet went out last, which reads its next one only at the next call:
    /// libpcap reuses its buffer, so reading ahead overwrote the packet still being analysed
    /// (the mapped reader's packets stay put either way). -1: none.
    private var handedOut = -1

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
        if handedOut >= 0 {
            heads[handedOut] = readers[handedOut].next()
            handedOut = -1
        }
        var pick = -1
        var best = Int64.max
        for i in heads.indices {
            if let p = heads[i], pick < 0 || p.timestamp < best { pick = i; best = p.timestamp }
        }
        guard pick >= 0, let packet = heads[pick] else { return nil }
        handedOut = pick
        return (packet, pick)
    }

    /// File `i`'s next packet not handed out yet, or the one handed out last when it came from
    /// file `i` (where reading has got to, for progress); nil once the file is over.
    func head(_ i: Int) -> Packet? { heads[i] }
}
