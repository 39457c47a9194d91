/// One protocol state out of line, in its kind's `StatePool`, reached through a plain pointer: a
/// flow pays only for the protocols it carries, and a packet reaching its state costs no
/// retain/release and no exclusivity check (a class would cost both). Owned by exactly one
/// `FlowInspection` in the `InspectionSlab`, which frees it with `take(from:)` or `free(to:)`,
/// or hands its memory to a `FrozenValue` with `freeze(from:)`, when the flow ends; it is used
/// only by the thread that owns the slab (a sharded run's worker ends its flows still live at
/// the end of input on its own thread, `FinishedTable`, before its emptied table goes to the
/// calling thread under a semaphore), and an ended flow's state leaves as a `FrozenValue`.
struct HeapValue<Value> {
    fileprivate let pointer: UnsafeMutablePointer<Value>

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

extension HeapValue where Value: Sendable {
    /// The value, frozen where it lies (not moved: a protocol state is kilobytes), made in
    /// `pool`; the handle must not be used again.
    func freeze(from pool: StatePool<Value>) -> FrozenValue<Value> { FrozenValue(pointer, pool) }
}

/// An ended flow's protocol state, frozen in the memory its `HeapValue` held (which it now owns
/// and gives back to its pool, from whatever thread drops it): read in place through `value`,
/// never copied out (`AppReport` keeps it, and its report parts read the state where it lies).
/// Immutable, so it may cross threads like any frozen value.
final class FrozenValue<Value: Sendable>: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<Value>
    private let pool: StatePool<Value>

    fileprivate init(_ pointer: UnsafeMutablePointer<Value>, _ pool: StatePool<Value>) {
        self.pointer = pointer
        self.pool = pool
    }

    /// The value, read in place.
    @inline(__always) var value: Value {
        unsafeAddress { UnsafePointer(pointer) }
    }

    /// Lends the value's address to `body`, a reader of kilobytes of state that must not copy
    /// them (a value passed as an argument, even `borrowing`, is copied first).
    @inline(__always) func withAddress<R>(_ body: (UnsafePointer<Value>) -> R) -> R {
        withExtendedLifetime(self) { body(pointer) }
    }

    deinit {
        pointer.deinitialize(count: 1)
        pool.giveBack(pointer)
    }
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
