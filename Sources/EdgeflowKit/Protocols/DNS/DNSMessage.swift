/// DNS messages (RFC 1035 §4; SRV RFC 2782; AAAA RFC 3596) over UDP, or over TCP with the
/// 2-byte length prefix (RFC 1035 §4.2.2). Names are decompressed with a bound on pointer
/// jumps and on length, so loops and overlong names end as `.malformedName`.

public struct DNSHeader: Sendable, BitwiseCopyable, Equatable {
    public static let size = 12
    public var id: UInt16
    public var flags: UInt16
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    public var isResponse: Bool { flags & 0x8000 != 0 }
    public var opcode: UInt8 { UInt8((flags >> 11) & 0xF) }
    public var authoritative: Bool { flags & 0x0400 != 0 }
    public var truncated: Bool { flags & 0x0200 != 0 }
    public var recursionDesired: Bool { flags & 0x0100 != 0 }
    public var recursionAvailable: Bool { flags & 0x0080 != 0 }
    /// Response code (0 NoError, 2 ServFail, 3 NXDomain, 5 Refused, ...).
    public var rcode: UInt8 { UInt8(flags & 0xF) }

    /// Reads the header at the start of `b`. Nil only when fewer than 12 bytes are there
    /// (`DNSMessage.parse` reports that as `.truncated` at the buffer's end).
    public init?(_ b: UnsafeRawBufferPointer) {
        guard b.count >= Self.size else { return nil }
        id = b.be16(0)
        flags = b.be16(2)
        questionCount = b.be16(4)
        answerCount = b.be16(6)
        authorityCount = b.be16(8)
        additionalCount = b.be16(10)
    }
}

/// Record types the analyzer names.
public enum DNSType {
    public static let a: UInt16 = 1
    public static let ns: UInt16 = 2
    public static let cname: UInt16 = 5
    public static let soa: UInt16 = 6
    public static let txt: UInt16 = 16
    public static let aaaa: UInt16 = 28
    public static let srv: UInt16 = 33
    public static let naptr: UInt16 = 35
    public static let opt: UInt16 = 41
}

public struct DNSQuestion: Sendable, Equatable {
    public var name: String
    public var type: UInt16
    public var qclass: UInt16
}

public struct DNSSRV: Sendable, Equatable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

public enum DNSRecordData: Sendable, Equatable {
    /// IPv4 address, network order in the integer's value (203.0.113.10 = 0xCB00_710A).
    case a(UInt32)
    /// IPv6 address as two big-endian halves.
    case aaaa(UInt64, UInt64)
    case srv(DNSSRV)
    case cname(String)
    /// Any other type: its RDATA length.
    case other(length: Int)

    /// Dotted / RFC 5952-style text of an A or AAAA record.
    public var addressText: String? {
        switch self {
        case .a(let v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .aaaa(let hi, let lo):
            var groups: [UInt16] = []
            for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(i)))) }
            for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(i)))) }
            // Longest run of at least two zero groups becomes "::".
            var bestStart = -1, bestLen = 0, i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                    i = j
                } else { i += 1 }
            }
            func hex(_ r: ArraySlice<UInt16>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
            if bestStart < 0 { return hex(groups[...]) }
            return hex(groups[0..<bestStart]) + "::" + hex(groups[(bestStart + bestLen)...])
        default:
            return nil
        }
    }
}

public struct DNSResourceRecord: Sendable, Equatable {
    public var name: String
    public var type: UInt16
    public var rclass: UInt16
    public var ttl: UInt32
    public var data: DNSRecordData
}

/// Why a DNS message did not parse.
public enum DNSFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// The message ends before a field it announces.
    case truncated
    /// A name with a pointer loop, more than 128 jumps, more than 255 bytes, a bad label type,
    /// or a pointer out of the message.
    case malformedName
    /// RDATA whose length does not fit its type.
    case badRecordData
}

/// A DNS failure: the reason and the byte offset in the message (after any TCP length
/// prefix) of the field at fault: the field that runs past the end, the label or pointer
/// of a bad name, the RDATA of a record whose data does not fit.
public typealias DNSFailure = DecodeFailure<DNSFailureReason>

public struct DNSMessage: Sendable, Equatable {
    /// Most pointer jumps followed in one name.
    public static let maxPointerJumps = 128
    /// Longest name on the wire (RFC 1035 §2.3.4), length bytes included.
    public static let maxNameLength = 255
    /// Most entries parsed per section; the counts in `header` stay as sent.
    public static let maxRecordsPerSection = 64

    public var header: DNSHeader
    public var questions: [DNSQuestion] = []
    public var answers: [DNSResourceRecord] = []
    public var authorities: [DNSResourceRecord] = []
    public var additionals: [DNSResourceRecord] = []

    public var rcode: UInt8 { header.rcode }

    /// Parses one DNS message (a UDP payload, or a TCP message without its length prefix).
    public static func parse(_ b: UnsafeRawBufferPointer) throws(DNSFailure) -> DNSMessage {
        guard let header = DNSHeader(b) else { throw DNSFailure(.truncated, at: b.count) }
        var m = DNSMessage(header: header)
        var o = DNSHeader.size
        for i in 0..<Int(header.questionCount) {
            let name = try readName(b, &o)
            guard o &+ 4 <= b.count else { throw DNSFailure(.truncated, at: o) }
            if i < maxRecordsPerSection {
                m.questions.append(DNSQuestion(name: name, type: b.be16(o), qclass: b.be16(o &+ 2)))
            }
            o &+= 4
        }
        try readRecords(b, &o, Int(header.answerCount), into: &m.answers)
        try readRecords(b, &o, Int(header.authorityCount), into: &m.authorities)
        try readRecords(b, &o, Int(header.additionalCount), into: &m.additionals)
        return m
    }

    /// Length of the TCP frame (2-byte prefix included) at the front of `b`, or nil if it is
    /// not all there yet: nil is "wait for more bytes", not a failure (any length is valid).
    public static func tcpFrameLength(_ b: UnsafeRawBufferPointer) -> Int? {
        guard b.count >= 2 else { return nil }
        let l = 2 &+ Int(b.be16(0))
        return b.count >= l ? l : nil
    }

    /// Parses the first message of a DNS-over-TCP stream. Nil when the frame is incomplete
    /// (not a failure: more bytes will come); otherwise the result and the bytes to consume.
    public static func parseTCP(_ b: UnsafeRawBufferPointer) -> (result: Result<DNSMessage, DNSFailure>, length: Int)? {
        guard let l = tcpFrameLength(b) else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: b[2..<l])
        do { return (.success(try parse(body)), l) } catch { return (.failure(error), l) }
    }

    private static func readRecords(_ b: UnsafeRawBufferPointer, _ o: inout Int, _ count: Int, into list: inout [DNSResourceRecord]) throws(DNSFailure) {
        for i in 0..<count {
            let name = try readName(b, &o)
            guard o &+ 10 <= b.count else { throw DNSFailure(.truncated, at: o) }
            let type = b.be16(o)
            let rclass = b.be16(o &+ 2)
            let ttl = b.be32(o &+ 4)
            let rdlen = Int(b.be16(o &+ 8))
            o &+= 10
            guard o &+ rdlen <= b.count else { throw DNSFailure(.truncated, at: o &- 2) }
            let rdEnd = o &+ rdlen
            if i < maxRecordsPerSection {
                let data: DNSRecordData
                switch type {
                case DNSType.a:
                    guard rdlen == 4 else { throw DNSFailure(.badRecordData, at: o) }
                    data = .a(b.be32(o))
                case DNSType.aaaa:
                    guard rdlen == 16 else { throw DNSFailure(.badRecordData, at: o) }
                    data = .aaaa(b.be64(o), b.be64(o &+ 8))
                case DNSType.srv:
                    guard rdlen >= 7 else { throw DNSFailure(.badRecordData, at: o) }
                    var t = o &+ 6
                    let target = try readName(b, &t)
                    guard t <= rdEnd else { throw DNSFailure(.badRecordData, at: o) }
                    data = .srv(DNSSRV(priority: b.be16(o), weight: b.be16(o &+ 2), port: b.be16(o &+ 4), target: target))
                case DNSType.cname:
                    var t = o
                    let target = try readName(b, &t)
                    guard t <= rdEnd else { throw DNSFailure(.badRecordData, at: o) }
                    data = .cname(target)
                default:
                    data = .other(length: rdlen)
                }
                list.append(DNSResourceRecord(name: name, type: type, rclass: rclass, ttl: ttl, data: data))
            }
            o = rdEnd
        }
    }

    /// Reads a possibly compressed name at `o` and moves `o` past its in-place part. The
    /// root is "" (tshark prints "<Root>").
    static func readName(_ b: UnsafeRawBufferPointer, _ o: inout Int) throws(DNSFailure) -> String {
        var p = o
        var jumps = 0
        var wireLength = 0
        var end: Int? = nil
        // Label bytes are gathered in a fixed scratch area (255 is the bound anyway).
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                      UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var used = 0
        try withUnsafeMutableBytes(of: &scratch) { (out: UnsafeMutableRawBufferPointer) throws(DNSFailure) in
            while true {
                guard p < b.count else { throw DNSFailure(.truncated, at: p) }
                let len = Int(b.u8(p))
                switch len & 0xC0 {
                case 0xC0:
                    guard p &+ 1 < b.count else { throw DNSFailure(.truncated, at: p) }
                    jumps &+= 1
                    guard jumps <= maxPointerJumps else { throw DNSFailure(.malformedName, at: p) }
                    if end == nil { end = p &+ 2 }
                    let target = (len & 0x3F) << 8 | Int(b.u8(p &+ 1))
                    guard target < b.count else { throw DNSFailure(.malformedName, at: p) }
                    p = target
                case 0x00:
                    wireLength &+= 1 &+ len
                    guard wireLength <= maxNameLength else { throw DNSFailure(.malformedName, at: p) }
                    if len == 0 {
                        if end == nil { end = p &+ 1 }
                        return
                    }
                    guard p &+ 1 &+ len <= b.count else { throw DNSFailure(.truncated, at: p) }
                    if used > 0 { out[used] = 0x2E; used &+= 1 }
                    for i in 0..<len { out[used &+ i] = b.u8(p &+ 1 &+ i) }
                    used &+= len
                    p &+= 1 &+ len
                default:
                    throw DNSFailure(.malformedName, at: p)
                }
            }
        }
        o = end ?? o
        return withUnsafeBytes(of: &scratch) { String(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<used]), as: UTF8.self) }
    }
}
