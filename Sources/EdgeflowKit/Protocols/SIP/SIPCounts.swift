/// Plaintext SIP seen in a flow: requests by method, responses by status, distinct Call-IDs.
struct SIPCounts: Sendable {
    static let callIDLimit = 16
    var requests = InlineArray<24, UInt32>(repeating: 0)
    var responses: [UInt16: Int] = [:]
    var callIDs: [String] = []
    var messages = 0

    mutating func record(_ head: SIPMessageHead, in bytes: UnsafeRawBufferPointer) {
        messages += 1
        if head.isRequest {
            let i = Int(head.method.rawValue)
            if i < 24 { requests[i] &+= 1 }
        } else {
            responses[head.statusCode, default: 0] += 1
        }
        // Compare bytes first: a String is made only for a new Call-ID (at most `callIDLimit`).
        guard callIDs.count < Self.callIDLimit, let range = head.callIDRange, range.upperBound <= bytes.count else { return }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        if callIDs.contains(where: { $0.utf8.elementsEqual(raw) }) { return }
        if let id = head.callID(in: bytes) { callIDs.append(id) }
    }
}

extension SIPCounts {
    /// Reads the SIP messages (framed by Content-Length) and keep-alives in one direction's
    /// contiguous TCP bytes; returns the bytes used. `stop` is set when the bytes are not SIP.
    mutating func consumeStream(_ bytes: UnsafeRawBufferPointer, stop: inout Bool) -> Int {
        var off = 0
        while off < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[off...])
            switch SIPMessageScanner.scan(rest) {
            case .message(let head):
                record(head, in: rest)
                off += head.messageLength
            case .keepAlive(let n):
                off += n
            case .needMoreData:
                return off
            case .notSIP:
                stop = true
                return off
            }
        }
        return off
    }
}
