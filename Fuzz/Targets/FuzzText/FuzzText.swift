import EdgeflowKit

/// Plaintext SIP (datagram and stream) and DNS (UDP and TCP framing).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let p = UnsafeRawBufferPointer(start: data, count: size)
    _ = SIPMessageScanner.scan(p, datagram: true)
    var off = 0
    while off < size, case .message(let head) = SIPMessageScanner.scan(UnsafeRawBufferPointer(rebasing: p[off...])) {
        _ = head.callID(in: UnsafeRawBufferPointer(rebasing: p[off...]))
        guard head.messageLength > 0 else { break }
        off += head.messageLength
    }
    _ = try? DNSMessage.parse(p)
    _ = DNSMessage.parseTCP(p)
    return 0
}
