/// Plaintext SIP (RFC 3261 §7): request and status lines, Call-ID and Content-Length
/// (long and compact forms), and message boundaries in a byte stream. Scanning reports byte
/// ranges into the input; nothing is allocated until a value is asked for.

/// SIP request methods (RFC 3261 and extensions, plus Microsoft's SERVICE/NEGOTIATE/BENOTIFY).
public enum SIPMethod: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    case invite, ack, bye, cancel, register, options, info, update, prack, subscribe, notify
    case message, refer, publish, service, negotiate, benotify, other

    public var name: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .register: "REGISTER"
        case .options: "OPTIONS"
        case .info: "INFO"
        case .update: "UPDATE"
        case .prack: "PRACK"
        case .subscribe: "SUBSCRIBE"
        case .notify: "NOTIFY"
        case .message: "MESSAGE"
        case .refer: "REFER"
        case .publish: "PUBLISH"
        case .service: "SERVICE"
        case .negotiate: "NEGOTIATE"
        case .benotify: "BENOTIFY"
        case .other: "OTHER"
        }
    }

    /// The method named by `b[range]` (case-sensitive, as RFC 3261 §7.1 says).
    static func from(_ b: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> SIPMethod {
        for m in SIPMethod.allCases where m != .other {
            let name = m.name.utf8
            guard name.count == length else { continue }
            var i = start
            var same = true
            for c in name {
                if b.u8(i) != c { same = false; break }
                i &+= 1
            }
            if same { return m }
        }
        return .other
    }
}

/// The start line and the headers the analyzer needs, as offsets into the scanned bytes.
public struct SIPMessageHead: Sendable, Equatable {
    public var isRequest: Bool
    /// Request method (`.other` for an unknown token; see `methodRange`). For a response,
    /// `.other`.
    public var method: SIPMethod
    /// The method token (requests) in the scanned bytes.
    public var methodRange: Range<Int>
    /// Status code (responses), else 0.
    public var statusCode: UInt16
    /// The Call-ID value (trimmed). Nil means absent, not failed: the header is optional
    /// in what the analyzer reads (RFC 3261 §8.1.1.4 requires it, but a missing one is no
    /// reason to drop the message).
    public var callIDRange: Range<Int>?
    /// Content-Length value. Nil means absent (the body then runs to the datagram's end, or
    /// is empty in a stream, RFC 3261 §18.3) or not a decimal number of at most 9 digits,
    /// which is read the same way.
    public var contentLength: Int?
    /// Bytes up to and including the blank line that ends the headers.
    public var headerLength: Int
    /// Content-Type (or its compact form `c`) is application/sdp (RFC 3261 §20.15).
    public var bodyIsSDP = false
    /// Headers plus body.
    public var messageLength: Int

    /// The Call-ID as a string (allocates).
    public func callID(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let r = callIDRange, r.upperBound <= bytes.count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    /// The method token as a string (allocates).
    public func methodName(in bytes: UnsafeRawBufferPointer) -> String? {
        guard isRequest, methodRange.upperBound <= bytes.count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[methodRange]), as: UTF8.self)
    }
}

/// Why the front of a byte stream or a datagram is not a SIP message.
public enum SIPFailureReason: UInt8, Sendable, BitwiseCopyable, CaseIterable {
    /// "SIP/2.0 " not followed by a status code 100-699 and a space (RFC 3261 §7.2).
    case badStatusLine
    /// No method token of 1-31 token characters followed by a space (RFC 3261 §7.1, §25.1).
    case badMethod
    /// A request line with an empty Request-URI or not ending in " SIP/2.0" (RFC 3261 §7.1).
    case badRequestLine
    /// No CRLF in the first 8192 bytes.
    case startLineTooLong
    /// No empty line within `SIPMessageScanner.maxHeaderLength` bytes.
    case headersTooLong
    /// Content-Length above `SIPMessageScanner.maxBodyLength`.
    case bodyTooLong
    /// In a datagram, Content-Length runs past the datagram's end (RFC 3261 §18.3).
    case bodyOverrun
}

/// A SIP scan failure: the reason and the byte offset where it was found.
public typealias SIPFailure = DecodeFailure<SIPFailureReason>

/// Result of scanning the front of a byte stream or a datagram.
public enum SIPScan: Sendable, Equatable {
    /// A whole message of `head.messageLength` bytes is at the front.
    case message(SIPMessageHead)
    /// `n` bytes of CRLF keep-alive (RFC 5626 §3.5.1) are at the front.
    case keepAlive(Int)
    /// The front looks like SIP but is not complete yet.
    case needMoreData
    /// The front is not a SIP start line, or the headers are unusable: why and where.
    case notSIP(SIPFailure)
}

public enum SIPMessageScanner {
    /// Longest header block accepted before giving up.
    public static let maxHeaderLength = 32 * 1024
    /// Largest Content-Length accepted.
    public static let maxBodyLength = 1 << 20

    /// Scans the message at the front of `b`. In a `datagram` the body is the rest of the
    /// datagram when Content-Length is absent; in a stream it is then empty.
    public static func scan(_ b: UnsafeRawBufferPointer, datagram: Bool = false) -> SIPScan {
        let n = b.count
        guard n > 0 else { return .needMoreData }
        // Keep-alives: CRLF runs between messages.
        var k = 0
        while k < n, b.u8(k) == 0x0D || b.u8(k) == 0x0A { k &+= 1 }
        if k > 0 { return .keepAlive(k) }

        // Start line.
        let lineLimit = min(n, 8192)
        var eol = -1
        var i = 0
        while i &+ 1 < lineLimit {
            if b.u8(i) == 0x0D && b.u8(i &+ 1) == 0x0A { eol = i; break }
            i &+= 1
        }
        let checkedEnd = eol >= 0 ? eol : lineLimit
        var head: SIPMessageHead
        do { head = try startLine(b, checkedEnd, complete: eol >= 0) } catch { return .notSIP(error) }
        if eol < 0 { return n >= 8192 ? .notSIP(SIPFailure(.startLineTooLong, at: 8192)) : .needMoreData }

        // Headers, one line at a time, until the empty line.
        var line = eol &+ 2
        let limit = min(n, maxHeaderLength)
        while true {
            var e = line
            while e &+ 1 < limit && !(b.u8(e) == 0x0D && b.u8(e &+ 1) == 0x0A) { e &+= 1 }
            if e &+ 1 >= limit {
                return n >= maxHeaderLength ? .notSIP(SIPFailure(.headersTooLong, at: maxHeaderLength)) : .needMoreData
            }
            if e == line { head.headerLength = e &+ 2; break }
            header(b, line, e, &head)
            line = e &+ 2
        }
        if let cl = head.contentLength {
            guard cl <= maxBodyLength else { return .notSIP(SIPFailure(.bodyTooLong, at: head.headerLength)) }
            head.messageLength = head.headerLength &+ cl
        } else {
            head.messageLength = datagram ? n : head.headerLength
        }
        if head.messageLength > n { return datagram ? .notSIP(SIPFailure(.bodyOverrun, at: n)) : .needMoreData }
        return .message(head)
    }

    /// Whether `b` starts with something a SIP start line could begin with (quick test).
    public static func looksLikeSIP(_ b: UnsafeRawBufferPointer) -> Bool {
        let limit = min(b.count, 256)
        var eol = limit
        var i = 0
        while i &+ 1 < limit { if b.u8(i) == 0x0D && b.u8(i &+ 1) == 0x0A { eol = i; break }; i &+= 1 }
        return (try? startLine(b, eol, complete: eol < limit)) != nil
    }

    /// Parses `b[0..<end]` as a start line. With `complete` false, only checks that the bytes
    /// seen so far can still become one (and returns a placeholder head).
    static func startLine(_ b: UnsafeRawBufferPointer, _ end: Int, complete: Bool) throws(SIPFailure) -> SIPMessageHead {
        // Status line: "SIP/2.0 DDD reason".
        if hasPrefix(b, 0, end, "SIP/2.0 ") {
            guard end >= 11 || !complete else { throw SIPFailure(.badStatusLine, at: end) }
            guard end >= 11 else { return SIPMessageHead.placeholder(request: false) }
            var code: UInt16 = 0
            for j in 8..<11 {
                let c = b.u8(j)
                guard c >= 0x30 && c <= 0x39 else { throw SIPFailure(.badStatusLine, at: j) }
                code = code &* 10 &+ UInt16(c &- 0x30)
            }
            guard code >= 100 && code <= 699 else { throw SIPFailure(.badStatusLine, at: 8) }
            guard end == 11 || b.u8(11) == 0x20 else { throw SIPFailure(.badStatusLine, at: 11) }
            var h = SIPMessageHead.placeholder(request: false)
            h.statusCode = code
            return h
        }
        if end < 8 && !complete && isPrefixOf(b, end, "SIP/2.0 ") { return SIPMessageHead.placeholder(request: false) }
        // Request line: "METHOD SP Request-URI SP SIP/2.0".
        var t = 0
        while t < end && t < 32 && isTokenChar(b.u8(t)) { t &+= 1 }
        guard t > 0 else { throw SIPFailure(.badMethod, at: 0) }
        if t == end && !complete {
            guard t < 32 else { throw SIPFailure(.badMethod, at: t) }
            return SIPMessageHead.placeholder(request: true)
        }
        guard t < end, b.u8(t) == 0x20 else { throw SIPFailure(.badMethod, at: t) }
        // The start line must end in " SIP/2.0".
        if complete {
            guard end >= t &+ 10, b.u8(t &+ 1) != 0x20 else { throw SIPFailure(.badRequestLine, at: t &+ 1) }
            guard hasPrefix(b, end &- 8, end, " SIP/2.0") else { throw SIPFailure(.badRequestLine, at: end &- 8) }
        }
        var h = SIPMessageHead.placeholder(request: true)
        h.methodRange = 0..<t
        h.method = SIPMethod.from(b, 0, t)
        return h
    }

    /// Looks at one header line `b[start..<end]`.
    static func header(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ head: inout SIPMessageHead) {
        let first = b.u8(start)
        if first == 0x20 || first == 0x09 { return }  // folded continuation
        var colon = start
        while colon < end && b.u8(colon) != 0x3A { colon &+= 1 }
        guard colon < end else { return }
        var nameEnd = colon
        while nameEnd > start && (b.u8(nameEnd &- 1) == 0x20 || b.u8(nameEnd &- 1) == 0x09) { nameEnd &-= 1 }
        var v = colon &+ 1
        while v < end && (b.u8(v) == 0x20 || b.u8(v) == 0x09) { v &+= 1 }
        var ve = end
        while ve > v && (b.u8(ve &- 1) == 0x20 || b.u8(ve &- 1) == 0x09) { ve &-= 1 }
        let nameLength = nameEnd &- start
        if nameLength == 1 {
            let c = first | 0x20
            if c == 0x69 { if head.callIDRange == nil { head.callIDRange = v..<ve } }  // i
            else if c == 0x6C { if head.contentLength == nil { head.contentLength = number(b, v, ve) } }  // l
            else if c == 0x63 { head.bodyIsSDP = isSDP(b, v, ve) }  // c
        } else if equalsIgnoringCase(b, start, nameEnd, "call-id") {
            if head.callIDRange == nil { head.callIDRange = v..<ve }
        } else if equalsIgnoringCase(b, start, nameEnd, "content-length") {
            if head.contentLength == nil { head.contentLength = number(b, v, ve) }
        } else if equalsIgnoringCase(b, start, nameEnd, "content-type") {
            head.bodyIsSDP = isSDP(b, v, ve)
        }
    }

    /// The media type `b[start..<end]` is application/sdp (case-insensitive; parameters after `;` ignored).
    private static func isSDP(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var e = start
        while e < end && b.u8(e) != 0x3B && b.u8(e) != 0x20 && b.u8(e) != 0x09 { e &+= 1 }
        return equalsIgnoringCase(b, start, e, "application/sdp")
    }

    private static func number(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        guard start < end, end &- start <= 9 else { return nil }
        var x = 0
        for i in start..<end {
            let c = b.u8(i)
            guard c >= 0x30 && c <= 0x39 else { return nil }
            x = x &* 10 &+ Int(c &- 0x30)
        }
        return x
    }

    /// RFC 3261 token characters: alphanumerics and `-.!%*_+`'~`.
    @inline(__always) static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x2D, 0x2E, 0x21, 0x25, 0x2A, 0x5F, 0x2B, 0x60, 0x27, 0x7E: true
        default: false
        }
    }

    private static func hasPrefix(_ b: UnsafeRawBufferPointer, _ at: Int, _ end: Int, _ s: StaticString) -> Bool {
        let l = s.utf8CodeUnitCount
        guard at >= 0, end &- at >= l else { return false }
        let p = s.utf8Start
        for j in 0..<l where b.u8(at &+ j) != p[j] { return false }
        return true
    }

    /// The first `end` bytes of `b` are a prefix of `s`.
    private static func isPrefixOf(_ b: UnsafeRawBufferPointer, _ end: Int, _ s: StaticString) -> Bool {
        let p = s.utf8Start
        for j in 0..<min(end, s.utf8CodeUnitCount) where b.u8(j) != p[j] { return false }
        return true
    }

    private static func equalsIgnoringCase(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ lower: StaticString) -> Bool {
        let l = lower.utf8CodeUnitCount
        guard end &- start == l else { return false }
        let p = lower.utf8Start
        for j in 0..<l {
            var c = b.u8(start &+ j)
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            if c != p[j] { return false }
        }
        return true
    }
}

extension SIPMessageHead {
    static func placeholder(request: Bool) -> SIPMessageHead {
        SIPMessageHead(isRequest: request, method: .other, methodRange: 0..<0, statusCode: 0,
                       callIDRange: nil, contentLength: nil, headerLength: 0, messageLength: 0)
    }
}
