import EdgeflowKit

/// The whole per-packet path: the first byte picks a link type, the input is cut into
/// frames by the next bytes (length-prefixed), and every frame goes through decode, flow
/// table and inspection (STUN/TURN, RTP, TLS, SIP, DNS).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackets(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let links: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .raw, .ipv4, .ipv6, .null, .loop]
    let link = links[Int(data[0]) % links.count]
    // Inspection slots for 4,096 flows, more than an input can make (65,536 bytes, 21 a frame),
    // not the default 262,144: freeing slots sized for a capture took most of each run under
    // the address sanitizer (~100 runs a second).
    var settings = FlowSettings()
    settings.maxInspectedFlows = 4096
    var engine = Engine(settings: settings)
    var offset = 1, number = 0
    while offset < size {
        let length = min(Int(data[offset]) * 4 + 20, size - offset - 1)
        offset += 1
        guard length > 0 else { break }
        let bytes = UnsafeRawBufferPointer(start: data + offset, count: length)
        number += 1
        engine.ingest(Packet(timestamp: Int64(number) * 1_000_000, linkType: link, interface: 0,
                             originalLength: length, bytes: bytes, number: number, fileOffset: -1))
        offset += length
    }
    engine.finish()
    return 0
}
