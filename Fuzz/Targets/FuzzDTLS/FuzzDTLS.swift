import EdgeflowKit

/// DTLS flows: the input is a sequence of datagrams, each behind a 2-byte big-endian prefix
/// whose top bit says the direction (set: from the responder) and whose other 15 bits give
/// the length (a last datagram shorter than its prefix says is taken as it is). They go
/// through one `DTLSFlowState`, whose report is then built and written as JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let p = UnsafeRawBufferPointer(start: data, count: size)
    var state = DTLSFlowState()
    var off = 0, n: Int64 = 0
    while off + 2 <= size {
        let prefix = Int(p[off]) << 8 | Int(p[off + 1])
        off += 2
        let length = min(prefix & 0x7FFF, size - off)
        n += 1
        state.datagram(UnsafeRawBufferPointer(rebasing: p[off..<(off + length)]), fromOriginator: prefix & 0x8000 == 0,
                       timestamp: n * 1_000_000)
        off += length
    }
    let report = DTLSReport(state, firstTimestamp: 0)
    var w = JSONWriter()
    w.beginObject()
    report.write(to: &w)
    w.endObject()
    _ = w.bytes.count
    return 0
}
