import Foundation

/// A FIFO between two threads, handed over a batch at a time (one lock per batch, not per
/// packet). `put` waits while the weights of the waiting batches (bytes, or 1 each) would
/// pass `limit`; `take` waits for a batch.
final class BatchQueue<T>: @unchecked Sendable {
    /// Waiting batches from `head` on; slots before it were taken and hold nothing.
    private var items: [(item: T?, weight: Int)] = []
    private var head = 0
    private var weight = 0
    private var closed = false
    private let condition = NSCondition()
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func put(_ x: T, weight w: Int = 1) {
        condition.lock()
        while weight > 0 && weight &+ w > limit { condition.wait() }
        items.append((x, w))
        weight &+= w
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for it; nil once the queue is closed and empty.
    func take() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let x = items[head]
        // The slot lets go of its batch now, and taken slots are dropped once they are half
        // the array: a queue that never runs empty must not keep every batch it passed on.
        items[head].item = nil
        head += 1
        weight &-= x.weight
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return x.item
    }

    /// Every batch waiting now (none is waited for).
    func takeAll() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let out = items[head...].compactMap(\.item)
        items.removeAll(keepingCapacity: true)
        head = 0
        weight = 0
        condition.broadcast()
        return out
    }
}
