/// The DNS messages a shard hands on to the run's one `DNSBook` (`ShardEvent.Payload.dns`),
/// copied into storage made once and reused (no allocation per message): a shard's messages go
/// one after another into an arena of `arenaBytes`; each event holds its arena (a reference,
/// counted: no allocation), and an arena no event holds any more is written again from its
/// start. Arenas are added only while every one is held by events not yet replayed, so their
/// number is bounded by the messages waiting (the run bounds how far a shard runs ahead).
struct ShardDNSCopies {
    /// Bytes in an arena: a whole DNS message (its 16-bit length) always fits in one.
    static let arenaBytes = 64 << 10

    /// Storage for messages, written by the shard's thread only, at `used` and beyond; the
    /// bytes before `used` are read by the thread that replays the events that hold it.
    final class Arena: @unchecked Sendable {
        // Sendable: the shard's thread writes only bytes no event handed on covers; it starts
        // again from the start only once no event holds the arena (`isKnownUniquelyReferenced`,
        // which orders it after the replaying thread let go of its last event).
        let base: UnsafeMutableRawPointer
        let capacity: Int
        var used = 0

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(byteCount: capacity, alignment: 16)
        }

        deinit { base.deallocate() }
    }

    /// One message's copy: its arena (held) and where it lies there.
    struct Message {
        let arena: Arena
        let offset: Int
        let count: Int

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: arena.base + offset, count: count) }
    }

    private var arenas: [Arena] = []
    private var current = 0

    /// Arenas made so far (each once: the rest is reuse).
    var arenasMade: Int { arenas.count }

    /// Copies `p` into an arena.
    mutating func copy(_ p: UnsafeRawBufferPointer) -> Message {
        if arenas.isEmpty || !fits(p.count) { current = nextArena(for: p.count) }
        let a = arenas[current]
        let offset = a.used
        if p.count > 0 { (a.base + offset).copyMemory(from: p.baseAddress!, byteCount: p.count) }
        a.used = offset &+ p.count
        return Message(arena: a, offset: offset, count: p.count)
    }

    /// Whether the current arena has room for `count` more bytes (from its start again when no
    /// event holds it).
    private mutating func fits(_ count: Int) -> Bool {
        if isKnownUniquelyReferenced(&arenas[current]) { arenas[current].used = 0 }
        return arenas[current].capacity &- arenas[current].used >= count
    }

    /// An arena no event holds, with room for `count` bytes, or a new one.
    private mutating func nextArena(for count: Int) -> Int {
        for i in arenas.indices where i != current && arenas[i].capacity >= count && isKnownUniquelyReferenced(&arenas[i]) {
            arenas[i].used = 0
            return i
        }
        arenas.append(Arena(capacity: max(Self.arenaBytes, count)))
        return arenas.count - 1
    }
}
