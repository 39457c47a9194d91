/// DTLS handshake message fragments (RFC 6347 §4.2.2, RFC 9147 §5.2) and their bounded
/// reassembly per direction.

/// `msg_type(1) | length(3) | message_seq(2) | fragment_offset(3) | fragment_length(3)`.
public struct DTLSHandshakeHeader: Sendable, BitwiseCopyable, Equatable {
    public static let size = 12

    public var messageType: UInt8
    /// Length of the whole message body.
    public var length: Int
    public var messageSeq: UInt16
    public var fragmentOffset: Int
    public var fragmentLength: Int

    /// The fragment covers the whole message.
    public var isWhole: Bool { fragmentOffset == 0 && fragmentLength == length }

    /// Reads the header at `offset`; the fragment must lie within `offset..<end` and within
    /// the message.
    public init(_ b: UnsafeRawBufferPointer, at offset: Int, end: Int) throws(DTLSFailure) {
        guard end &- offset >= Self.size else { throw DTLSFailure(.truncatedHandshakeHeader, at: offset) }
        messageType = b.u8(offset)
        length = Int(b.u8(offset &+ 1)) << 16 | Int(b.be16(offset &+ 2))
        messageSeq = b.be16(offset &+ 4)
        fragmentOffset = Int(b.u8(offset &+ 6)) << 16 | Int(b.be16(offset &+ 7))
        fragmentLength = Int(b.u8(offset &+ 9)) << 16 | Int(b.be16(offset &+ 10))
        guard fragmentOffset &+ fragmentLength <= length,
              offset &+ Self.size &+ fragmentLength <= end else { throw DTLSFailure(.badFragment, at: offset &+ 6) }
    }
}

/// Reassembles one direction's handshake messages from fragments that may come in any
/// order, split across records and datagrams, and repeated by retransmitted flights.
///
/// Bounds: at most `budget` bytes of message bodies are buffered at once (one pool reserved
/// at the first fragmented message and reused), and at most `maxPending` messages are
/// collected at once with at most `maxRanges` separate pieces each. A fragment that would
/// go past any bound drops its message (`handshakeBudgetExceeded`); the message is then
/// missing from the report, later ones are still read. The pool also grows only within the
/// allowance the caller gives (what is left of the run's reassembly memory); a message that
/// would need more is dropped (`handshakeMemoryExhausted`). Whole messages in one fragment
/// are parsed in place and never buffered.
struct DTLSHandshakeAssembler: Sendable {
    /// Bytes of message bodies buffered at once per direction: a certificate chain of a few
    /// KB fits many times over.
    static let budget = 64 * 1024
    static let maxPending = 4
    static let maxRanges = 32

    /// A message being collected: its bytes are `pool[start ..< start + length]`.
    struct Pending: Sendable {
        var seq: UInt16
        var type: UInt8
        var length: Int
        var start: Int
        /// Pieces received so far, sorted and merged.
        var ranges: [Range<Int>]

        var isComplete: Bool { ranges.count == 1 && ranges[0] == 0..<length }
    }

    /// What a fragment did.
    enum Step: Equatable {
        /// The fragment is a whole message not seen before: parse it in place.
        case whole
        /// Kept; the message is not complete yet.
        case buffered
        /// The message is now complete: `takeMessage(at:)` gives it.
        case assembled(Int)
        /// The message was already delivered (a retransmitted flight).
        case duplicate
    }

    private var pool: [UInt8] = []
    private var used = 0
    private(set) var pending: [Pending] = []
    /// For message_seq 0...63: the type delivered at that seq (`none` before). A message is a
    /// repeat only if both seq and type match: a stateless server may send its ServerHello
    /// with the message_seq of its HelloVerifyRequest.
    private var deliveredTypes: [UInt8] = []
    private static let none: UInt8 = 0xFF
    /// Fragments of messages already delivered (retransmissions, counted once per fragment).
    private(set) var retransmittedFragments = 0
    /// Messages dropped at a bound.
    private(set) var droppedMessages = 0
    /// Of those, messages dropped because the allowance was used up.
    private(set) var messagesOutOfMemory = 0
    /// Bytes the pool holds now.
    var bufferedBytes: Int { pool.count }

    /// Takes one fragment (`fragment` holds exactly `header.fragmentLength` bytes). The pool
    /// grows by at most `memoryAllowance` bytes, which is lowered by what it takes.
    mutating func add(_ header: DTLSHandshakeHeader, _ fragment: UnsafeRawBufferPointer,
                      at offset: Int, memoryAllowance: inout Int) throws(DTLSFailure) -> Step {
        let seq = header.messageSeq
        if seq < 64, !deliveredTypes.isEmpty, deliveredTypes[Int(seq)] == header.messageType {
            retransmittedFragments &+= 1
            return .duplicate
        }
        if header.isWhole, !pending.contains(where: { $0.seq == seq }) {
            markDelivered(seq, header.messageType)
            return .whole
        }
        var index = pending.firstIndex { $0.seq == seq }
        if let i = index {
            guard pending[i].type == header.messageType, pending[i].length == header.length else {
                throw DTLSFailure(.inconsistentFragment, at: offset)
            }
        } else {
            guard pending.count < Self.maxPending, used &+ header.length <= Self.budget else {
                droppedMessages &+= 1
                throw DTLSFailure(.handshakeBudgetExceeded, at: offset)
            }
            // The pool grows to what the pending messages claim (at most `budget`) and is freed
            // once no message is pending, so a flow holds it only while a message is incomplete.
            let growth = max(0, used &+ header.length &- pool.count)
            guard growth <= memoryAllowance else {
                droppedMessages &+= 1
                messagesOutOfMemory &+= 1
                throw DTLSFailure(.handshakeMemoryExhausted, at: offset)
            }
            memoryAllowance &-= growth
            if growth > 0 {
                // Exactly what is counted, not the doubling append would choose.
                pool.reserveCapacity(pool.count &+ growth)
                pool.append(contentsOf: repeatElement(0, count: growth))
            }
            if pending.capacity == 0 { pending.reserveCapacity(Self.maxPending) }
            pending.append(Pending(seq: seq, type: header.messageType, length: header.length, start: used,
                                   ranges: []))
            used &+= header.length
            index = pending.count &- 1
        }
        let i = index!
        let start = pending[i].start &+ header.fragmentOffset
        if let source = fragment.baseAddress, fragment.count > 0 {
            pool.withUnsafeMutableBytes { dst in
                dst.baseAddress!.advanced(by: start).copyMemory(from: source, byteCount: fragment.count)
            }
        }
        guard insert(header.fragmentOffset..<(header.fragmentOffset &+ header.fragmentLength), into: i) else {
            drop(i)
            throw DTLSFailure(.handshakeBudgetExceeded, at: offset)
        }
        return pending[i].isComplete ? .assembled(i) : .buffered
    }

    /// The bytes of the message completed at `index`; it leaves the pending list.
    mutating func takeMessage(at index: Int) -> (type: UInt8, body: [UInt8]) {
        let p = pending[index]
        let body = Array(pool[p.start..<(p.start &+ p.length)])
        markDelivered(p.seq, p.type)
        pending.remove(at: index)
        if pending.isEmpty { used = 0; pool = [] }
        return (p.type, body)
    }

    private mutating func markDelivered(_ seq: UInt16, _ type: UInt8) {
        guard seq < 64 else { return }
        if deliveredTypes.isEmpty { deliveredTypes = [UInt8](repeating: Self.none, count: 64) }
        deliveredTypes[Int(seq)] = type
    }

    private mutating func drop(_ i: Int) {
        droppedMessages &+= 1
        pending.remove(at: i)
        if pending.isEmpty { used = 0; pool = [] }
    }

    /// Adds `r` to message `i`'s pieces, merging neighbours; false past `maxRanges`.
    private mutating func insert(_ r: Range<Int>, into i: Int) -> Bool {
        guard !r.isEmpty else { return true }
        var lower = r.lowerBound, upper = r.upperBound
        var kept: [Range<Int>] = []
        kept.reserveCapacity(pending[i].ranges.count &+ 1)
        var placed = false
        for piece in pending[i].ranges {
            if piece.upperBound < lower {
                kept.append(piece)
            } else if piece.lowerBound > upper {
                if !placed { kept.append(lower..<upper); placed = true }
                kept.append(piece)
            } else {
                lower = min(lower, piece.lowerBound)
                upper = max(upper, piece.upperBound)
            }
        }
        if !placed { kept.append(lower..<upper) }
        guard kept.count <= Self.maxRanges else { return false }
        pending[i].ranges = kept
        return true
    }
}
