import CPrefetch

/// Prefetch for the flows of packets not tracked yet. A packet's lookup misses the caches four
/// times in a row, each load needing the one before: its hash's slot, the record the slot names,
/// the record's inspection in the slab, and the protocol state the inspection points to (on the
/// 5-million-packet capture of `Benchmarks/README.md`, about 30 % of one thread's cycles). While
/// one packet is tracked, this takes the next twelve three steps apart, one level each: the
/// twelfth ahead is hashed and its slot asked for, the ninth's slot (present by now) read and its
/// record asked for, the sixth's record read and its inspection asked for, the third's
/// inspection read and its state asked for, so that each line has three packets' time to arrive
/// (one packet's is less than a line from memory takes; `Benchmarks/README.md`, h-ahead2) and a
/// packet's lookup finds every line present; the record found for a packet is kept until it is
/// tracked, which takes it when its key is the packet's (`record`).
/// Only loads and prefetches: a level that finds nothing, or what changed since (a flow ended, a
/// table grown), asks for nothing or for a line no longer needed, never for memory outside the table's.
struct LookupAhead {
    /// How many packets ahead a lookup starts: one level of it every three packets.
    static let depth = 12

    /// The fewest live flows for which a flow table takes the lookups ahead
    /// (`FlowTracker.prefetch(ahead:linkType:)`). The lines a packet's lookup reads (a slot, the
    /// record's first 128 bytes, the inspection, the state's first line and an RTP stream's
    /// two) are about 640 bytes a flow, 5 MB for 8,192 flows: within the last-level cache of
    /// the machine of `Benchmarks/README.md` (8 MB), where the steps would cost instructions for
    /// little (its 520,000-packet capture, 5,417 flows at most: 116 instructions a packet).
    static let fewestFlows = 8_192

    /// Steps taken: step `n` is taken before the `n`-th packet is tracked.
    private var steps = 0
    /// The hashes of the packets nine to twelve ahead, packet `n`'s at `n % 4`, when they are
    /// plain IPv4 UDP or TCP frames (0: none; a frame whose hash is 0 is not looked up ahead).
    private var hashes = InlineArray<4, UInt64>(repeating: 0)
    /// The records found for the packets up to nine ahead, packet `n`'s at `n % 16` (-1: none
    /// found), kept until it is tracked (`record`).
    private var records = InlineArray<16, Int32>(repeating: -1)
    /// The inspections of the flows of the packets three to six ahead, packet `n`'s at `n % 4` (-1: none).
    private var inspections = InlineArray<4, Int32>(repeating: -1)

    /// The hash of the frame the last step was given (0: none).
    var hash: UInt64 { hashes[unchecked: steps & 3] }

    /// One step, before a packet is tracked: `frame` is the record read ahead for it
    /// (`PacketReader.frameAhead`, `depth` packets on), of link type `linkType`. Each level reads
    /// what the level before it left three steps ago (the levels taken from the last). Each
    /// index is checked against its array with one unsigned comparison (-1, none, fails it too);
    /// a hash is kept with 0 for none (no optional's flag stored and tested), and the slot of any
    /// hash is asked for.
    @inline(__always)
    mutating func step(_ frame: UnsafeRawBufferPointer?, linkType: LinkType, _ table: borrowing FlowTable,
                       _ dispatcher: borrowing Dispatcher) {
        steps &+= 1
        let n = steps
        // Packet n + 3's inspection, asked for at step n - 3.
        dispatcher.prefetchState(inspections[unchecked: (n &+ 3) & 3])
        // Packet n + 6's record, asked for at step n - 3.
        let six = Int(records[unchecked: (n &+ 6) & 15])
        let inspection = UInt(bitPattern: six) < UInt(bitPattern: table.count) ? table[six].inspection : -1
        inspections[unchecked: (n &+ 6) & 3] = inspection
        dispatcher.prefetchInspection(inspection)
        // Packet n + 9's slot, asked for at step n - 3.
        let nine = hashes[unchecked: (n &+ 9) & 3]
        records[unchecked: (n &+ 9) & 15] = nine != 0 ? Int32(truncatingIfNeeded: table.prefetchRecord(hash: nine)) : -1
        // Packet n + 12's: a slot of the table whatever the hash (0, none, asks for the first).
        let twelve = frame.flatMap { Self.hash($0, linkType: linkType, table.secret) } ?? 0
        hashes[unchecked: n & 3] = twelve
        table.prefetchSlot(hash: twelve)
    }

    /// The record the steps found for the packet the last one was taken for (-1: none), as
    /// the table stood then: a flow ended or moved since, or a packet tracked with no step
    /// (a table of fewer than `fewestFlows` flows), leaves another flow's record or none here,
    /// so its key is compared before it is taken (`FlowTracker.trackDatagram`).
    @inline(__always)
    var record: Int { Int(records[unchecked: steps & 15]) }

    /// The table hash of `frame`'s flow, as `FlowTracker` makes it for a plain IPv4 datagram or
    /// segment, when `frame` is Ethernet with an IPv4 header of 20 bytes (no options, as nearly
    /// every packet's) and its ports are captured (else nil). Read only as far as it stays
    /// within the frame, not checked as the decoder checks: the hash of a frame the decoder
    /// refuses names lines its lookup does not use, and costs a prefetch.
    @inline(__always)
    static func hash(_ f: UnsafeRawBufferPointer, linkType: LinkType, _ secret: FlowKey.TableSecret) -> UInt64? {
        guard linkType == .ethernet, f.count >= 38, f.be16(12) == 0x0800, f.u8(14) == 0x45 else { return nil }
        // The ends' `address << 16 | port` words, the smaller first (`FlowTracker`'s `PlainEnds`).
        let s = UInt64(f.be32(26)) << 16 | UInt64(f.be16(34)), d = UInt64(f.be32(30)) << 16 | UInt64(f.be16(36))
        return FlowKey.ipv4TableHash(a: min(s, d), b: max(s, d), proto: f.u8(23), secret)
    }
}
