/// A writer's text of a flow's members from its duration on (the JSON object's `duration` to
/// `end_reason`, the CSV row's `duration` to its line end), as last written for a flow without
/// text fields of each transport, with what it was made of. The flows of a flood are alike from
/// there on (one packet, the same sizes, state, history and verdict), so their tails are
/// copied, not formatted again; any other flow's tail is formatted and kept in its place.
/// The same for the members between the ends and the start time (`orig_role` to `services`:
/// the roles and services), kept with the roles and services they were made of, for any flow.
struct FlowTailMemo: ~Copyable {
    /// Everything a plain flow's tail is made of.
    struct Key: BitwiseCopyable {
        var origPkts, respPkts, origBytes, respBytes, origIPBytes, respIPBytes: Int
        var duration: Int64
        /// The stored bytes of the history (`FlowSummary.historyWords`).
        var history: (UInt64, UInt64, UInt64)
        /// The `conn_state` text's address: the same address is the same text.
        var connState: UnsafeRawPointer
        var verdict: Classification.Verdict
        var end: FlowRecord.EndReason

        init(_ f: borrowing FlowSummary) {
            origPkts = f.origPkts
            respPkts = f.respPkts
            origBytes = f.origBytes
            respBytes = f.respBytes
            origIPBytes = f.origIPBytes
            respIPBytes = f.respIPBytes
            duration = f.durationNs
            history = f.historyWords
            connState = UnsafeRawPointer(f.connStateName.utf8Start)
            verdict = f.verdictKind
            end = f.end
        }

        /// Whether `f`'s tail is made of this: compared in place, counts first (what differs
        /// most often between flows).
        @inline(__always)
        func matches(_ f: borrowing FlowSummary) -> Bool {
            origPkts == f.origPkts && origBytes == f.origBytes && origIPBytes == f.origIPBytes
                && respPkts == f.respPkts && respBytes == f.respBytes && respIPBytes == f.respIPBytes
                && duration == f.durationNs && connState == UnsafeRawPointer(f.connStateName.utf8Start)
                && verdict == f.verdictKind && end == f.end && history == f.historyWords
        }
    }

    /// Bytes a kept tail may hold (a longer one is written, not kept).
    static let room = 512
    /// Bytes a kept middle may hold (a longer one is written, not kept). A kept middle is
    /// copied as one block of this many bytes (a copy of known size, made without a call), so
    /// a writer's room must reach this far past the middle's start: it does, the middle starts
    /// within the first 200 bytes of a flow object or row, whose room is `FlowSummary.fixedRoom`,
    /// besides the ends' names before it (a flow object with report parts), whose room is counted apart.
    static let middleRoom = 128
    /// One tail per transport: TCP, UDP, other (a mixed flood alternates them).
    private static let slots = 3
    private let text = UnsafeMutablePointer<UInt8>.allocate(capacity: room * slots)
    private let keys = UnsafeMutablePointer<Key>.allocate(capacity: slots)
    /// Each slot's tail's length; 0: none kept.
    private let lengths = UnsafeMutablePointer<Int>.allocate(capacity: slots)
    /// Each slot's middle (all `middleRoom` bytes initialised: the whole block is copied),
    /// what it was made of (`middleKey`) and its length (0: none kept).
    private let middleText = UnsafeMutablePointer<UInt8>.allocate(capacity: middleRoom * slots)
    private let middleKeys = UnsafeMutablePointer<UInt32>.allocate(capacity: slots)
    private let middleLengths = UnsafeMutablePointer<Int>.allocate(capacity: slots)
    /// `FlowSummary.base62Pairs`, read once here: each read of the lazily made table is a call.
    let uidPairs = FlowSummary.base62Pairs

    init() {
        lengths.initialize(repeating: 0, count: Self.slots)
        middleText.initialize(repeating: 0, count: Self.middleRoom * Self.slots)
        middleKeys.initialize(repeating: 0, count: Self.slots)
        middleLengths.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        text.deallocate()
        keys.deallocate()
        lengths.deallocate()
        middleText.deallocate()
        middleKeys.deallocate()
        middleLengths.deallocate()
    }

    /// The slot of a flow's transport.
    @inline(__always)
    private static func slot(_ flow: borrowing FlowSummary) -> Int {
        flow.protocolNumber == IPProtocol.tcp ? 0 : flow.protocolNumber == IPProtocol.udp ? 1 : 2
    }

    /// What a flow's middle is made of: its two roles and its services, in one word.
    @inline(__always)
    private static func middleKey(_ flow: borrowing FlowSummary) -> UInt32 {
        UInt32(truncatingIfNeeded: flow.origRoleKind.index) | UInt32(truncatingIfNeeded: flow.respRoleKind.index) << 4
            | UInt32(flow.serviceSet.bits) << 8
    }

    /// Writes the middle of `flow` at `c` (its text fields are not in it): the kept text when its
    /// transport's last middle was made of the same roles and services, else what `make`
    /// writes, then kept. `c` must have `middleRoom` bytes of room from there.
    @inline(__always)
    func writeMiddle(_ flow: borrowing FlowSummary, _ c: inout JSONCursor, _ make: (inout JSONCursor) -> Void) {
        let slot = Self.slot(flow)
        let key = Self.middleKey(flow)
        let kept = middleLengths[slot]
        if kept > 0 && middleKeys[slot] == key {
            UnsafeMutableRawPointer(c.p).copyMemory(from: middleText + slot &* Self.middleRoom, byteCount: Self.middleRoom)
            c.p += kept
            return
        }
        let start = c.p
        make(&c)
        let n = c.p - start
        guard n <= Self.middleRoom else { middleLengths[slot] = 0; return }
        (middleText + slot &* Self.middleRoom).update(from: start, count: n)
        middleKeys[slot] = key
        middleLengths[slot] = n
    }

    /// Writes the tail of `flow` (which has no text fields) at `c`: the kept text when its
    /// transport's last tail was made of the same values, else what `make` writes, then kept.
    @inline(__always)
    func write(_ flow: borrowing FlowSummary, _ c: inout JSONCursor, _ make: (inout JSONCursor) -> Void) {
        let slot = Self.slot(flow)
        let kept = lengths[slot]
        if kept > 0 && keys[slot].matches(flow) {
            c.bytes(UnsafeRawPointer(text + slot &* Self.room), kept)
            return
        }
        let start = c.p
        make(&c)
        let n = c.p - start
        guard n <= Self.room else { lengths[slot] = 0; return }
        (text + slot &* Self.room).initialize(from: start, count: n)
        (keys + slot).initialize(to: Key(flow))
        lengths[slot] = n
    }
}
