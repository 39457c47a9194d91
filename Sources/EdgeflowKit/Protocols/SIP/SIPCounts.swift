/// Plaintext SIP seen in a flow: requests by method, responses by status, distinct Call-IDs,
/// and the media its SDP bodies announced.
struct SIPCounts: Sendable {
    static let callIDLimit = 16
    static let mediaLimit = 16
    var requests = InlineArray<24, UInt32>(repeating: 0)
    var responses: [UInt16: Int] = [:]
    var callIDs: [String] = []
    var messages = 0
    /// Distinct (Call-ID, address, port) of the SDP media sections seen, the first `mediaLimit`.
    var media: [SDPMedia] = []

    mutating func record(_ head: SIPMessageHead, in bytes: UnsafeRawBufferPointer) {
        messages += 1
        if head.isRequest {
            let i = Int(head.method.rawValue)
            if i < 24 { requests[i] &+= 1 }
        } else {
            responses[head.statusCode, default: 0] += 1
        }
        // Compare bytes first: a String is made only for a new Call-ID (at most `callIDLimit`).
        if head.bodyIsSDP { noteSDP(head, in: bytes) }
        guard callIDs.count < Self.callIDLimit, let range = head.callIDRange, range.upperBound <= bytes.count else { return }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        if callIDs.contains(where: { $0.utf8.elementsEqual(raw) }) { return }
        if let id = head.callID(in: bytes) { callIDs.append(id) }
    }

    /// Keeps the media sections of the message's SDP body not seen before in its call. Values
    /// are made only for a new section (an IPv6 address is read through a String).
    private mutating func noteSDP(_ head: SIPMessageHead, in bytes: UnsafeRawBufferPointer) {
        guard let range = head.callIDRange, range.upperBound <= bytes.count,
              head.headerLength <= head.messageLength, head.messageLength <= bytes.count else { return }
        let callID = UnsafeRawBufferPointer(rebasing: bytes[range])
        let body = UnsafeRawBufferPointer(rebasing: bytes[head.headerLength..<head.messageLength])
        let d = SDPDescription.parse(body)
        for i in 0..<d.mediaCount {
            let m = d.media[i]
            guard media.count < Self.mediaLimit, let text = m.address.map({ $0.slice(of: body) }), let ip = IPAddress.parse(text) else { continue }
            if media.contains(where: { $0.ip == ip && $0.port == m.port && $0.callID.utf8.elementsEqual(callID) }) { continue }
            media.append(SDPMedia(m, ip: ip, callID: String(decoding: callID, as: UTF8.self), fingerprint: d.fingerprint, in: body))
        }
    }
}

/// One SDP media section of a call, as `SIPCounts` keeps it: where the media goes and what its
/// payload types are.
struct SDPMedia: Sendable {
    /// An `a=rtpmap`: payload type, encoding name, clock rate (Hz).
    struct RTPMap: Sendable, Equatable {
        var payloadType: UInt8
        var encoding: String
        var clock: UInt32
    }

    var callID: String
    var ip: IPAddress
    var port: UInt16
    var payloadTypes: [UInt8]
    var rtpmaps: [RTPMap]
    var fingerprint: String?

    init(_ m: SDPDescription.Media, ip: IPAddress, callID: String, fingerprint: ByteRange?, in body: UnsafeRawBufferPointer) {
        self.callID = callID
        self.ip = ip
        port = m.port
        payloadTypes = (0..<m.typeCount).map { m.payloadTypes[$0] }
        rtpmaps = (0..<m.rtpmapCount).map {
            RTPMap(payloadType: m.rtpmapType[$0], encoding: String(decoding: m.rtpmapName[$0].slice(of: body), as: UTF8.self), clock: m.rtpmapClock[$0])
        }
        self.fingerprint = fingerprint.map { String(decoding: $0.slice(of: body), as: UTF8.self) }
    }

    /// The rtpmap of payload type `pt`, if the section gave one.
    func rtpmap(_ pt: UInt8) -> RTPMap? { rtpmaps.first { $0.payloadType == pt } }
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
