import EdgeflowKit

/// TLS handshakes through the bounded reassembler (also as a connection captured mid-stream),
/// and certificate extraction: the input
/// is split into segments given to both directions, the certificates found are summarised,
/// and the whole input is also parsed as one DER certificate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let p = UnsafeRawBufferPointer(start: data, count: size)
    // An odd first byte: a connection captured without its SYN (directions may begin inside a record).
    var session = TLSSession(midStream: size > 0 && p[0] & 1 == 1)
    var orig = StreamReassembler(budget: 16 * 1024)
    var resp = StreamReassembler(budget: 16 * 1024)
    var off = 0, seq: UInt32 = 1000, n = 0
    while off < size {
        let length = min(Int(p[off]) + 1, size - off)
        let segment = UnsafeRawBufferPointer(rebasing: p[off..<(off + length)])
        n += 1
        if n % 2 == 0 {
            orig.add(seq: seq, payload: segment, syn: false)
            let used = orig.withContiguous { session.feed(direction: .orig, bytes: $0, timestamp: Int64(n)) }
            orig.consume(used)
        } else {
            resp.add(seq: seq, payload: segment, syn: false)
            let used = resp.withContiguous { session.feed(direction: .resp, bytes: $0, timestamp: Int64(n)) }
            resp.consume(used)
        }
        seq &+= UInt32(length / 2)
        off += length
    }
    for list in [session.serverCertificates, session.clientCertificates] {
        if let list { _ = CertificateSummary.chain(list) }
    }
    _ = CertificateSummary(der: Array(p))
    return 0
}
