/// One protocol state on the heap, reached through a plain pointer: a flow pays only for the
/// protocols it carries, and a packet reaching its state costs no retain/release and no
/// exclusivity check (a class would cost both). Owned by exactly one `FlowInspection` in the
/// `InspectionSlab`, which frees it with `take()` or `free()` when the flow ends; it is used
/// only by the thread that owns the slab (a sharded run's worker ends its flows still live at
/// the end of input on its own thread, `FinishedTable`, before its emptied table goes to the
/// calling thread under a semaphore), and an ended flow's state leaves as a `FrozenBox`.
struct HeapValue<Value> {
    private let pointer: UnsafeMutablePointer<Value>

    init(_ value: Value) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: value)
    }

    /// The value, read and changed in place.
    @inline(__always) var value: Value {
        unsafeAddress { UnsafePointer(pointer) }
        nonmutating unsafeMutableAddress { pointer }
    }

    /// The value a lazily made state holds, made from `initial` at the first use.
    @inline(__always) static func made(_ slot: inout HeapValue?, _ initial: @autoclosure () -> Value) -> HeapValue {
        if let v = slot { return v }
        let v = HeapValue(initial())
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
