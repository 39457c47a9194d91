/// One protocol state on the heap, reached through a plain pointer: a flow pays only for the
/// protocols it carries, and a packet reaching its state costs no retain/release and no
/// exclusivity check (a class would cost both). Owned by exactly one `FlowInspection` in the
/// `InspectionSlab`, which frees it with `take()` or `free()`, or hands its memory to a
/// `FrozenValue` with `freeze()`, when the flow ends; it is used
/// only by the thread that owns the slab (a sharded run's worker ends its flows still live at
/// the end of input on its own thread, `FinishedTable`, before its emptied table goes to the
/// calling thread under a semaphore), and an ended flow's state leaves as a `FrozenValue`.
struct HeapValue<Value> {
    fileprivate let pointer: UnsafeMutablePointer<Value>

    /// - Parameter alignment: the boundary the memory starts on (at least the value's own):
    ///   a cache line for a state laid out by cache line.
    init(_ value: Value, alignment: Int = MemoryLayout<Value>.alignment) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Value>.stride,
                                                   alignment: max(alignment, MemoryLayout<Value>.alignment))
            .bindMemory(to: Value.self, capacity: 1)
        pointer.initialize(to: value)
    }

    /// The value, read and changed in place.
    @inline(__always) var value: Value {
        unsafeAddress { UnsafePointer(pointer) }
        nonmutating unsafeMutableAddress { pointer }
    }

    /// The value a lazily made state holds, made from `initial` at the first use.
    @inline(__always) static func made(_ slot: inout HeapValue?, _ initial: @autoclosure () -> Value,
                                       alignment: Int = MemoryLayout<Value>.alignment) -> HeapValue {
        if let v = slot { return v }
        let v = HeapValue(initial(), alignment: alignment)
        slot = v
        return v
    }

    /// Moves the value out and frees its memory; the handle must not be used again.
    func take() -> Value {
        let v = pointer.move()
        pointer.deallocate()
        return v
    }

    /// Frees the value; the handle must not be used again.
    func free() {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

extension HeapValue where Value: Sendable {
    /// The value, frozen where it lies (not moved: a protocol state is kilobytes); the handle
    /// must not be used again.
    func freeze() -> FrozenValue<Value> { FrozenValue(pointer) }
}

/// An ended flow's protocol state, frozen in the memory its `HeapValue` held (which it now owns
/// and frees): read in place through `value`, never copied out (`AppReport` keeps it, and its
/// report parts read the state where it lies). Immutable, so it may cross threads like any
/// frozen value.
final class FrozenValue<Value: Sendable>: @unchecked Sendable {
    private let pointer: UnsafeMutablePointer<Value>

    fileprivate init(_ pointer: UnsafeMutablePointer<Value>) { self.pointer = pointer }

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
        pointer.deallocate()
    }
}
