/// Application-layer state of one inspected flow (STUN/TURN, RTP, TLS, SIP). Allocated once
/// per flow that carries one of them, never per packet; TCP byte streams are reassembled
/// within a fixed budget per direction.
final class FlowInspection {
    /// What a TCP flow's byte stream is followed as.
    enum StreamKind: UInt8 { case undecided, tls, stun, sip, dns, none }

    // Plain pointers, allocated at the first write and freed with the inspection: reaching
    // them on every packet costs no retain/release and no exclusivity check (a class box would).
    private var stunStorage: UnsafeMutablePointer<STUNFlowStats>? = nil
    private var rtpStorage: UnsafeMutablePointer<RTPFlowStats>? = nil

    /// STUN/TURN facts; their storage is allocated at the first write. Read in place (a
    /// packet reading one counter does not copy the 1.5 KB).
    var stun: STUNFlowStats {
        _read {
            if let p = stunStorage { yield p.pointee } else { yield STUNFlowStats() }
        }
        _modify {
            if stunStorage == nil { stunStorage = Self.allocate(STUNFlowStats()) }
            yield &stunStorage.unsafelyUnwrapped.pointee
        }
    }

    /// RTP/RTCP facts; their storage is allocated at the first write.
    var rtp: RTPFlowStats {
        _read {
            if let p = rtpStorage { yield p.pointee } else { yield RTPFlowStats() }
        }
        _modify {
            if rtpStorage == nil { rtpStorage = Self.allocate(RTPFlowStats()) }
            yield &rtpStorage.unsafelyUnwrapped.pointee
        }
    }

    private static func allocate<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        p.initialize(to: value)
        return p
    }

    deinit {
        stunStorage?.deinitialize(count: 1).deallocate()
        rtpStorage?.deinitialize(count: 1).deallocate()
    }
    var sip = SIPCounts()
    private var tlsBox: Box<TLSSession>? = nil

    /// The TLS handshake state of a TCP flow followed as TLS; boxed, so that the many UDP
    /// flows do not carry its 650 bytes.
    var tls: TLSSession? {
        get { tlsBox?.value }
        set {
            if let newValue {
                if let tlsBox { tlsBox.value = newValue } else { tlsBox = Box(newValue) }
            } else {
                tlsBox = nil
            }
        }
    }
    var streamKind = StreamKind.undecided
    var origStream: StreamReassembler? = nil
    var respStream: StreamReassembler? = nil
    var origFraming = TCPFramingMode.auto
    var respFraming = TCPFramingMode.auto
    /// TLS records counted per direction once the handshake buffers are released.
    var origRecords = TLSRecordCounter()
    var respRecords = TLSRecordCounter()
    var reassemblyBudget: Int

    init(reassemblyBudget: Int) { self.reassemblyBudget = reassemblyBudget }
}

/// Counts the TLS records of one direction after the handshake, from in-order segments,
/// without buffering: only a partial 5-byte record header is kept between segments.
/// Application data and alerts are counted; a hole in the stream ends the counting.
struct TLSRecordCounter: Sendable, BitwiseCopyable {
    private(set) var active = false
    private(set) var lostSync = false
    private var cursor: UInt32 = 0
    private var skip = 0
    private var header = InlineArray<5, UInt8>(repeating: 0)
    private var headerHave = 0
    private(set) var applicationData = 0
    private(set) var alerts = 0

    /// Starts at the stream position of a record header.
    mutating func start(at seq: UInt32) {
        active = true
        cursor = seq
    }

    mutating func feed(seq: UInt32, _ p: UnsafeRawBufferPointer) {
        guard active, !lostSync, p.count > 0 else { return }
        let n = UInt32(truncatingIfNeeded: p.count)
        var bytes = p
        if seq != cursor {
            let ahead = Int32(bitPattern: seq &- cursor)
            if Int32(bitPattern: (seq &+ n) &- cursor) <= 0 { return }  // old data again
            guard ahead < 0 else { lostSync = true; return }          // a hole: stop counting
            bytes = UnsafeRawBufferPointer(rebasing: p[Int(-ahead)...])  // overlap: keep the new part
        }
        var i = 0
        while i < bytes.count {
            if skip > 0 {
                let t = min(skip, bytes.count - i)
                skip -= t
                i += t
                continue
            }
            header[headerHave] = bytes[i]
            headerHave += 1
            i += 1
            guard headerHave == 5 else { continue }
            headerHave = 0
            let type = header[0]
            guard (20...24).contains(type), header[1] == 3 else { lostSync = true; return }
            if type == 23 { applicationData += 1 } else if type == 21 { alerts += 1 }
            skip = Int(header[3]) << 8 | Int(header[4])
        }
        cursor = cursor &+ UInt32(truncatingIfNeeded: bytes.count)
    }
}

/// Heap storage for a large fixed-size value, so flows that never need it pay one pointer.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

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
