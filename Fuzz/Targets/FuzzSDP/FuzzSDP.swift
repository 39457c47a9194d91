import EdgeflowKit

/// SDP bodies (c=, m=, a=rtpmap, a=fingerprint), alone and as the body of a SIP datagram.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSDP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let p = UnsafeRawBufferPointer(start: data, count: size)
    let d = SDPDescription.parse(p)
    precondition(d.mediaCount <= SDPDescription.mediaSlots)
    if case .message(let head) = SIPMessageScanner.scan(p, datagram: true), head.bodyIsSDP {
        precondition(head.headerLength <= head.messageLength && head.messageLength <= size)
        _ = SDPDescription.parse(UnsafeRawBufferPointer(rebasing: p[head.headerLength..<head.messageLength]))
    }
    return 0
}
