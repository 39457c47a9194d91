/// Values by a 64-bit hash that is already the key (`DNSBook`'s effects, by a hash of a message):
/// open addressing, probed from the hash's top bits, in slots that double up to twice
/// `limit` (half full at most). A find is a few compares, where `Dictionary` hashed the hash
/// again (about 140 instructions a find). No removal but of all values.
struct HashedSlots<Value> {
    /// Most values held; `insert` needs room (`count < limit`).
    let limit: Int
    private var keys: [UInt64] = []
    /// Whether a slot holds a value (read before the value, which is not copied to be tested).
    private var used: [Bool] = []
    private var values: [Value?] = []
    /// `keys.count - 1`, or 0 before the first insert.
    private var mask = 0
    private var shift: UInt64 = 64
    private(set) var count = 0

    /// Slots for up to `limit` values (a power of two), made at the first insert.
    init(limit: Int) {
        precondition(limit > 0 && limit & (limit &- 1) == 0, "a power of two")
        self.limit = limit
    }

    /// The value kept for `key`, if any.
    func find(_ key: UInt64) -> Value? {
        guard count > 0 else { return nil }
        var i = Int(truncatingIfNeeded: key &>> shift)
        while used[i] {
            if keys[i] == key { return values[i] }
            i = (i &+ 1) & mask
        }
        return nil
    }

    /// Keeps `value` for `key` (in place of the one kept for it); `count < limit` before a new key.
    mutating func insert(_ key: UInt64, _ value: Value) {
        if count &* 2 >= keys.count { grow() }
        var i = Int(truncatingIfNeeded: key &>> shift)
        while used[i] {
            if keys[i] == key { values[i] = value; return }
            i = (i &+ 1) & mask
        }
        precondition(count < limit, "room for a new key")
        keys[i] = key
        used[i] = true
        values[i] = value
        count &+= 1
    }

    /// Forgets every value, keeping the slots.
    mutating func removeAll() {
        for i in values.indices {
            used[i] = false
            values[i] = nil
        }
        count = 0
    }

    /// Twice the slots (64 at first), the values placed again.
    private mutating func grow() {
        let size = max(64, keys.count &* 2)
        guard size <= limit &* 2 else { return }
        let old = zip(keys, values)
        keys = [UInt64](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        values = [Value?](repeating: nil, count: size)
        mask = size &- 1
        shift = UInt64(64 &- size.trailingZeroBitCount)
        count = 0
        for (k, v) in old { if let v { insert(k, v) } }
    }
}
