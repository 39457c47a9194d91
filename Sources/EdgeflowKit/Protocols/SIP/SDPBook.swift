/// The media endpoints the run's SDP bodies named, with the encoding and clock of each dynamic
/// payload type there, so that an RTP stream that starts later towards (or from) such an
/// endpoint takes them: an offer or answer lists the `c=` address and `m=` port on which its
/// sender receives the media, and the `a=rtpmap` of each type it receives (RFC 3264 §5.1,
/// RFC 8866 §6.6).
///
/// Run-wide, like `DNSBook`, but a value of each flow table: every thread of a sharded run
/// feeds its own book from every SIP packet of the input, its own flows' and the others'
/// (`FlowTracker.noteSIP`), in packet order, so all books agree at every packet and a stream
/// takes the same clock whichever thread follows it. The capture sockets of `live --threads N`
/// see only their own flows' packets and share one book instead (`SharedSDPBook`). A SIP message is read from one UDP
/// datagram or one TCP segment (on port 5060); a message split over segments is not read.
/// Bounded: at most `capacity` endpoints; the one recorded longest ago gives way, counted in
/// `evicted`. Nothing is allocated until the first SDP.
struct SDPBook: Sendable {
    static let capacity = 4_096

    struct Endpoint: Hashable, Sendable {
        var ip: IPAddress
        var port: UInt16
    }

    /// The dynamic payload types (96-127) an SDP media section described, with their clock
    /// and codec (`RTPCodec.described`).
    struct Described: Sendable, BitwiseCopyable {
        var count = 0
        var types = InlineArray<8, UInt8>(repeating: 0)
        var rates = InlineArray<8, UInt32>(repeating: 0)
        var codecs = InlineArray<8, RTPCodec>(repeating: .unknown)

        /// The clock and codec of `pt`, nil when the section did not describe it.
        func clock(_ pt: UInt8) -> (rate: UInt32, codec: RTPCodec)? {
            for i in 0..<count where types[i] == pt { return (rates[i], codecs[i]) }
            return nil
        }
    }

    /// Each endpoint's latest description, with the serial it was recorded under and the
    /// capture time of its SDP (`SharedSDPBook`; `Int64.min` when not given).
    private var entries: [Endpoint: (serial: Int, stamp: Int64, described: Described)] = [:]
    /// The endpoint recorded under each serial, at `serial % capacity`.
    private var order: [Endpoint] = []
    /// Descriptions recorded so far (the next serial).
    private(set) var recorded = 0
    /// Endpoints dropped to make room for newer ones.
    private(set) var evicted = 0

    /// The clock and codec the latest SDP that named `end` gave payload type `pt`, when that
    /// SDP was captured at or before `notAfter` (ns).
    func clock(_ pt: UInt8, at end: Endpoint, notAfter: Int64 = .max) -> (rate: UInt32, codec: RTPCodec)? {
        guard !entries.isEmpty, let e = entries[end], e.stamp <= notAfter else { return nil }
        return e.described.clock(pt)
    }

    /// Reads the SIP messages of one UDP payload (`datagram`) or TCP segment, captured at
    /// `timestamp` (ns), and records the media sections of their SDP bodies.
    mutating func note(_ p: UnsafeRawBufferPointer, datagram: Bool, timestamp: Int64 = .min) {
        var off = 0
        while off < p.count {
            let rest = UnsafeRawBufferPointer(rebasing: p[off...])
            switch SIPMessageScanner.scan(rest, datagram: datagram) {
            case .message(let head):
                if head.bodyIsSDP, head.headerLength <= head.messageLength, head.messageLength <= rest.count {
                    record(UnsafeRawBufferPointer(rebasing: rest[head.headerLength..<head.messageLength]), timestamp: timestamp)
                }
                guard head.messageLength > 0 else { return }
                off &+= head.messageLength
            case .keepAlive(let n):
                off &+= n
            case .needMoreData, .notSIP:
                return
            }
        }
    }

    /// Records each media section of an SDP body that has an address, a port and dynamic rtpmaps.
    mutating func record(_ body: UnsafeRawBufferPointer, timestamp: Int64 = .min) {
        let d = SDPDescription.parse(body)
        for i in 0..<d.mediaCount {
            let m = d.media[i]
            guard let text = m.address.map({ $0.slice(of: body) }), let ip = IPAddress.parse(text) else { continue }
            var described = Described()
            for k in 0..<m.rtpmapCount where m.rtpmapType[k] >= 96 && m.rtpmapClock[k] <= 0xFF_FFFF {
                let clock = m.rtpmapClock[k]
                described.types[described.count] = m.rtpmapType[k]
                described.rates[described.count] = clock
                described.codecs[described.count] = RTPCodec.described(m.rtpmapName[k].slice(of: body), clock: clock)
                described.count &+= 1
            }
            guard described.count > 0 else { continue }
            add(Endpoint(ip: ip, port: m.port), described, stamp: timestamp)
        }
    }

    private mutating func add(_ end: Endpoint, _ described: Described, stamp: Int64) {
        let at = recorded % Self.capacity
        if recorded >= Self.capacity {
            let old = order[at]
            if entries[old]?.serial == recorded &- Self.capacity {
                entries[old] = nil
                evicted &+= 1
            }
            order[at] = end
        } else {
            if order.isEmpty { order.reserveCapacity(Self.capacity) }
            order.append(end)
        }
        entries[end] = (recorded, stamp, described)
        recorded &+= 1
    }
}
