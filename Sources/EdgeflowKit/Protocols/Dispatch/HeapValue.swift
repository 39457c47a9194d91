/// One protocol state out of line, in its kind's `StatePool`, reached through a plain pointer: a
/// flow pays only for the protocols it carries, and a packet reaching its state costs no
/// retain/release and no exclusivity check (a class would cost both). Owned by exactly one
/// `FlowInspection` in the `InspectionSlab`, which frees it with `take(from:)` or `free(to:)`,
/// or hands its memory to the flow's `FrozenStates` when the flow ends; it is used
/// only by the thread that owns the slab (a sharded run's worker ends its flows still live at
/// the end of input on its own thread, `FinishedTable`, before its emptied table goes to the
/// calling thread under a semaphore), and an ended flow's state leaves in a `FrozenStates`.
struct HeapValue<Value> {
    fileprivate let pointer: UnsafeMutablePointer<Value>

    /// The value at `pointer`, a block of its pool already initialised.
    fileprivate init(pointer: UnsafeMutablePointer<Value>) {
        self.pointer = pointer
    }

    /// `value` in a block of `pool` (which sets its alignment).
    init(_ value: Value, in pool: StatePool<Value>) {
        pointer = pool.allocate()
        pointer.initialize(to: value)
    }

    /// A copy of the value at `initial` in a block of `pool`: one copy, straight into the block
    /// (`init(_:in:)` given a stored value copies it to the stack first).
    init(copying initial: UnsafePointer<Value>, in pool: StatePool<Value>) {
        pointer = pool.allocate()
        pointer.initialize(from: initial, count: 1)
    }

    /// The value, read and changed in place.
    @inline(__always) var value: Value {
        unsafeAddress { UnsafePointer(pointer) }
        nonmutating unsafeMutableAddress { pointer }
    }

    /// Where the value lies (for a prefetch).
    @inline(__always) var address: UnsafeRawPointer { UnsafeRawPointer(pointer) }

    /// Where the value lies, to change a part of it in place (`RTPFlowStats.recordKnown`).
    @inline(__always) var mutableAddress: UnsafeMutablePointer<Value> { pointer }

    /// The value a lazily made state holds, made from `initial` in `pool` at the first use.
    @inline(__always) static func made(_ slot: inout HeapValue?, _ initial: @autoclosure () -> Value,
                                       in pool: StatePool<Value>) -> HeapValue {
        if let v = slot { return v }
        let v = HeapValue(initial(), in: pool)
        slot = v
        return v
    }

    /// `made(_:_:in:)` for a state whose initial value is kept made (`UnsafePointer.kept`):
    /// copied once, from there into the block.
    @inline(__always) static func made(_ slot: inout HeapValue?, copying initial: UnsafePointer<Value>,
                                       in pool: StatePool<Value>) -> HeapValue {
        if let v = slot { return v }
        let v = HeapValue(copying: initial, in: pool)
        slot = v
        return v
    }

    /// Moves the value out and frees its memory to `pool` (the one it was made in); the handle
    /// must not be used again.
    func take(from pool: StatePool<Value>) -> Value {
        let v = pointer.move()
        pool.release(pointer)
        return v
    }

    /// Frees the value to `pool` (the one it was made in); the handle must not be used again.
    func free(to pool: StatePool<Value>) {
        pointer.deinitialize(count: 1)
        pool.release(pointer)
    }
}

extension HeapValue where Value: BitwiseCopyable {
    /// `made(_:copying:in:)` for an initial value whose bits are all zero: a block of `pool`
    /// never handed out before is zero already and is not written (`StatePool.allocate(zeroed:)`).
    @inline(__always) static func made(_ slot: inout HeapValue?, zeroed zero: UnsafePointer<Value>,
                                       in pool: StatePool<Value>) -> HeapValue {
        if let v = slot { return v }
        let v = HeapValue(pointer: pool.allocate(zeroed: zero))
        slot = v
        return v
    }
}

/// An ended flow's protocol states, frozen in the memory their `HeapValue`s held (which this
/// object now owns): one object for all of a flow's states, which gives each block back to its
/// pool in the `StateArena` (held here, so its pools outlive it) from whatever thread drops it.
/// Its deinit names each state's type, so each is destroyed by its own code: a generic object
/// per state took an allocation each and destroyed its state through the type's value
/// witnesses (`deinitialize(count:)` unspecialized, `swift_arrayDestroy`). Read in place through
/// `FrozenState`, never copied out; immutable, so it may cross threads like any frozen value.
final class FrozenStates: @unchecked Sendable {
    fileprivate let stun: UnsafeMutablePointer<STUNFlowStats>?
    fileprivate let rtp: UnsafeMutablePointer<RTPFlowStats>?
    fileprivate let tls: UnsafeMutablePointer<TLSStreamState>?
    fileprivate let dtls: UnsafeMutablePointer<DTLSFlowState>?
    fileprivate let sip: UnsafeMutablePointer<SIPCounts>?
    private let arena: StateArena

    /// Takes the states' memory from their handles, made in `arena`'s pools; the handles must
    /// not be used again.
    init(_ arena: StateArena, stun: HeapValue<STUNFlowStats>? = nil, rtp: HeapValue<RTPFlowStats>? = nil,
         tls: HeapValue<TLSStreamState>? = nil, dtls: HeapValue<DTLSFlowState>? = nil, sip: HeapValue<SIPCounts>? = nil) {
        self.arena = arena
        self.stun = stun?.pointer
        self.rtp = rtp?.pointer
        self.tls = tls?.pointer
        self.dtls = dtls?.pointer
        self.sip = sip?.pointer
    }

    deinit {
        if let p = stun { Self.giveBack(p, to: arena.stun) }
        if let p = rtp { Self.giveBack(p, to: arena.rtp) }
        if let p = tls { Self.giveBack(p, to: arena.tls) }
        if let p = dtls { Self.giveBack(p, to: arena.dtls) }
        if let p = sip { Self.giveBack(p, to: arena.sip) }
    }

    @inline(__always)
    private static func giveBack<Value>(_ p: UnsafeMutablePointer<Value>, to pool: StatePool<Value>) {
        p.deinitialize(count: 1)
        pool.giveBack(p)
    }

    /// The state at `p` (one of this object's), as a handle that holds this object.
    @inline(__always)
    fileprivate func state<Value>(_ p: UnsafeMutablePointer<Value>?) -> FrozenState<Value>? {
        p.map { FrozenState(owner: self, pointer: UnsafePointer($0)) }
    }
}

/// One state of a `FrozenStates`, read in place: it holds the object, so the state lives as
/// long as it does.
struct FrozenState<Value>: @unchecked Sendable {
    private let owner: FrozenStates
    private let pointer: UnsafePointer<Value>

    fileprivate init(owner: FrozenStates, pointer: UnsafePointer<Value>) {
        self.owner = owner
        self.pointer = pointer
    }

    /// The value, read in place.
    @inline(__always) var value: Value {
        unsafeAddress { pointer }
    }

    /// Lends the value's address to `body`, a reader of kilobytes of state that must not copy
    /// them (a value passed as an argument, even `borrowing`, is copied first).
    @inline(__always) func withAddress<R>(_ body: (UnsafePointer<Value>) -> R) -> R {
        withExtendedLifetime(owner) { body(pointer) }
    }
}

extension InspectionFacts {
    /// Each protocol's frozen state, when the flow had one (a handle holding the flow's `states`).
    var stun: FrozenState<STUNFlowStats>? { states.flatMap { $0.state($0.stun) } }
    var rtp: FrozenState<RTPFlowStats>? { states.flatMap { $0.state($0.rtp) } }
    var tls: FrozenState<TLSStreamState>? { states.flatMap { $0.state($0.tls) } }
    var dtls: FrozenState<DTLSFlowState>? { states.flatMap { $0.state($0.dtls) } }
    var sip: FrozenState<SIPCounts>? { states.flatMap { $0.state($0.sip) } }
}

extension UnsafePointer {
    /// `value` in memory of its own, kept for the whole run and never written again (so a
    /// `nonisolated(unsafe)` global may hold it): a state's initial value, built once and copied
    /// from there into each new state's block (`HeapValue.made(_:copying:in:)`).
    static func kept(_ value: Pointee) -> UnsafePointer {
        let p = UnsafeMutablePointer<Pointee>.allocate(capacity: 1)
        p.initialize(to: value)
        return UnsafePointer(p)
    }
}
