/// A member name: a literal, written straight from static storage (literal names are plain
/// identifiers and are not escaped), or a string made at run time, escaped as any string.
/// `JSONKey("x")` with a literal argument is the literal form (SE-0213).
public struct JSONKey: ExpressibleByStringLiteral {
    fileprivate let literal: StaticString
    fileprivate let dynamic: String?

    public init(stringLiteral name: StaticString) {
        literal = name
        dynamic = nil
    }

    public init(_ name: String) {
        literal = ""
        dynamic = name
    }
}

/// Appends JSON text to a byte buffer, keys in the order written. Hand-written because the
/// report streams: flows are written as they end, and Foundation's encoder needs the whole
/// value in memory first. Numbers, times and strings go straight into the buffer, with no
/// intermediate `String`: a report holds tens of fields for each of millions of flows.
public struct JSONWriter: ~Copyable {
    // A plain growable buffer: `Array.append(contentsOf:)` costs a uniqueness check and a
    // generic copy per call, and a report makes tens of small appends per flow.
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// One bit per open container, the innermost lowest: set once it holds a member, so the
    /// next one needs a comma.
    private var commas: UInt64 = 0
    private var depth = 0
    /// The last two seconds `TimeFormat.isoParts` gave, as text, the later used first: a
    /// flow's start and its TURN allocation's end take turns (one kept, each was made again).
    private var second = TimeFormat.SecondText()
    private var otherSecond = TimeFormat.SecondText()

    /// Containers nest at most this deep.
    static let maxDepth = 63

    /// - Parameter capacity: bytes held before the first growth.
    public init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The text written so far; valid until the writer next changes.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The text written so far, as a string.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func reset() {
        count = 0
        commas = 0
        depth = 0
    }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { grow(1) }
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    mutating func append(_ p: UnsafeBufferPointer<UInt8>) {
        withRoom(p.count) { $0.bytes(p) }
    }

    /// Makes room for `n` bytes and lets `body` write up to that many through a cursor,
    /// without a capacity test per write.
    @inline(__always)
    mutating func withRoom(_ n: Int, _ body: (inout JSONCursor) -> Void) {
        if capacity &- count < n { grow(n) }
        var c = JSONCursor(p: base + count)
        body(&c)
        count = c.p - base
    }

    /// A cursor at the end of the text with room for `n` bytes made: for a writer that writes
    /// many members through one cursor without a closure (values it captured would be read
    /// through copies). Nothing else may be written before `commit` takes the cursor back.
    @inline(__always)
    mutating func cursor(room n: Int) -> JSONCursor {
        if capacity &- count < n { grow(n) }
        return JSONCursor(p: base + count)
    }

    /// Takes back the cursor `cursor(room:)` gave, with what was written through it.
    @inline(__always)
    mutating func commit(_ c: JSONCursor) {
        count = c.p - base
    }

    /// The text of `secs`'s second ("2026-03-02T09:00:00."), kept for the next time written
    /// in the same second (a flood's flows share seconds), with the second used before it.
    @inline(__always)
    mutating func isoSecond(_ secs: Int64) -> TimeFormat.SecondText {
        if second.second != secs { useSecond(secs) }
        return second
    }

    /// `isoSecond` of a second not the last used: the one before it swapped in, or made in
    /// the place of the one before it (whose date it keeps when of the same day).
    private mutating func useSecond(_ secs: Int64) {
        swap(&second, &otherSecond)
        if second.second != secs { second.set(secs) }
    }

    private mutating func grow(_ needed: Int) {
        var c = capacity * 2
        while c - count < needed { c *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        fresh.initialize(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = c
    }

    /// Before a member: a comma when the container holds one already.
    @inline(__always)
    mutating func separate() {
        if commas & 1 != 0 { append(0x2C) }
        commas |= 1
    }

    @inline(__always)
    private mutating func key(_ k: JSONKey?) {
        separate()
        guard let k else { return }
        if let name = k.dynamic {
            string(name)
        } else {
            append(0x22)
            literal(k.literal)
            append(0x22)
        }
        append(0x3A)
    }

    /// A member: its comma and key and, in the same room, up to `room` bytes of value written
    /// by `value` (a literal key makes one room for all; a run-time key is written as before).
    @inline(__always)
    private mutating func member(_ k: JSONKey?, room: Int, _ value: (inout JSONCursor) -> Void) {
        guard let k, k.dynamic == nil else {
            key(k)
            return withRoom(room, value)
        }
        let comma = commas & 1 != 0
        commas |= 1
        withRoom(k.literal.utf8CodeUnitCount &+ 4 &+ room) { c in
            if comma { c.byte(0x2C) }
            c.byte(0x22)
            c.literal(k.literal)
            c.byte(0x22)
            c.byte(0x3A)
            value(&c)
        }
    }

    private mutating func open(_ k: JSONKey?, _ bracket: UInt8) {
        precondition(depth < Self.maxDepth, "JSON nested deeper than \(Self.maxDepth)")
        member(k, room: 1) { $0.byte(bracket) }
        commas <<= 1
        depth += 1
    }

    /// Opens a member's container whose key and bracket are one literal (`"key":{` or
    /// `"key":[`): `beginObject` / `beginArray` with a literal key, in one room and one copy.
    @inline(__always)
    mutating func open(literal: StaticString) {
        precondition(depth < Self.maxDepth, "JSON nested deeper than \(Self.maxDepth)")
        let comma = commas & 1 != 0
        withRoom(literal.utf8CodeUnitCount &+ 1) { c in
            if comma { c.byte(0x2C) }
            c.literal(literal)
        }
        commas = (commas | 1) << 1
        depth += 1
    }

    private mutating func close(_ bracket: UInt8) {
        commas >>= 1
        depth -= 1
        append(bracket)
    }

    /// A container is opened whose bracket the next text written through a cursor begins with
    /// (a flow object's, with its first members: `FlowSummary.write`'s `leading`).
    @inline(__always)
    mutating func opening() {
        precondition(depth < Self.maxDepth, "JSON nested deeper than \(Self.maxDepth)")
        commas <<= 1
        depth += 1
    }

    /// The innermost container was closed by text written through a cursor (its bracket).
    mutating func closed() {
        commas >>= 1
        depth -= 1
    }

    public mutating func beginObject(_ k: JSONKey? = nil) { open(k, 0x7B) }
    public mutating func endObject() { close(0x7D) }
    public mutating func beginArray(_ k: JSONKey? = nil) { open(k, 0x5B) }
    public mutating func endArray() { close(0x5D) }

    public mutating func value(_ k: JSONKey? = nil, _ v: String?) {
        member(k, room: JSONCursor.quotedRoom(v)) { $0.quoted(v) }
    }
    public mutating func value(_ k: JSONKey? = nil, _ v: Int) {
        member(k, room: 20) { $0.integer(v) }
    }
    public mutating func value(_ k: JSONKey? = nil, _ v: Bool) {
        member(k, room: 5) { $0.literal(v ? "true" : "false") }
    }
    /// A number with up to `decimals` decimals, trailing zeros kept out.
    public mutating func value(_ k: JSONKey? = nil, _ v: Double, decimals: Int = 3) {
        member(k, room: JSONCursor.decimalRoom) { $0.decimal(v, decimals: decimals) }
    }
    /// A time (nanoseconds since the epoch) as an ISO-8601 UTC string with microseconds.
    public mutating func time(_ k: JSONKey? = nil, _ ns: Int64) {
        let (second, micros) = TimeFormat.isoParts(ns, &self)
        member(k, room: 29) { c in
            c.byte(0x22)
            c.iso8601(second, micros: micros)
            c.byte(0x22)
        }
    }
    /// An address as a string: dotted quad or RFC 5952 text.
    public mutating func address(_ k: JSONKey? = nil, _ a: IPAddress) {
        member(k, room: IPAddress.textRoom &+ 2) { c in
            c.byte(0x22)
            a.writeText(&c)
            c.byte(0x22)
        }
    }
    /// An address and port as a string: "192.0.2.1:3478", or "[2001:db8::1]:3478" when `bracketed`.
    public mutating func endpoint(_ k: JSONKey? = nil, _ a: IPAddress, port: UInt16, bracketed: Bool) {
        member(k, room: JSONCursor.endpointRoom &+ 2) { c in
            c.byte(0x22)
            c.endpoint(a, port: port, bracketed: bracketed)
            c.byte(0x22)
        }
    }
    /// A number as "0x" and lower-case hex digits, in a string.
    public mutating func hex(_ k: JSONKey? = nil, _ v: UInt32) {
        member(k, room: 12) { c in
            c.literal("\"0x")
            c.hex(UInt64(v))
            c.byte(0x22)
        }
    }
    public mutating func null(_ k: JSONKey? = nil) { member(k, room: 4) { $0.literal("null") } }

    /// Static text as it is, unquoted and unescaped.
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        withRoom(s.utf8CodeUnitCount) { $0.literal(s) }
    }

    /// `v` with up to `decimals` decimals, as text (for the table and CSV forms).
    static func format(_ v: Double, decimals: Int) -> String {
        var w = JSONWriter(capacity: 32)
        w.appendDecimal(v, decimals: decimals)
        return w.text
    }

    /// "192.0.2.1:3478", or "[2001:db8::1]:3478" when `bracketed`, unquoted.
    mutating func appendEndpoint(_ a: IPAddress, port: UInt16, bracketed: Bool) {
        withRoom(JSONCursor.endpointRoom) { $0.endpoint(a, port: port, bracketed: bracketed) }
    }

    /// Lets `body` write up to `n` bytes in place; it returns how many it wrote.
    @inline(__always)
    mutating func appendInPlace(upTo n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if capacity &- count < n { grow(n) }
        count &+= body(base + count)
    }

    /// Decimal digits of `v` (one digit, a flow's usual packet count, without a call).
    @inline(__always)
    mutating func appendInteger(_ v: Int) {
        if UInt(bitPattern: v) < 10 { return append(UInt8(truncatingIfNeeded: v) &+ 0x30) }
        withRoom(20) { $0.integer(v) }
    }

    /// Decimal digits of `v`, zero-padded to `minimumWidth` (at most 24).
    mutating func appendDigits(_ v: UInt, minimumWidth: Int) {
        withRoom(24) { $0.digits(v, minimumWidth: minimumWidth) }
    }

    /// Lower-case hex digits of `v`, without leading zeros.
    mutating func appendHex(_ v: UInt64) {
        withRoom(16) { $0.hex(v) }
    }

    /// `v` rounded to `decimals` decimals, trailing zeros dropped; "null" when not finite.
    mutating func appendDecimal(_ v: Double, decimals: Int) {
        withRoom(JSONCursor.decimalRoom) { $0.decimal(v, decimals: decimals) }
    }

    private mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { append(quoted: $0) }
    }

    /// Appends `u` between quotes, escaped as JSON requires.
    private mutating func append(quoted u: UnsafeBufferPointer<UInt8>) {
        withRoom(JSONCursor.quotedRoom(u.count)) { $0.quoted(u) }
    }
}
