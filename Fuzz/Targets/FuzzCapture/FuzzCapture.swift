import EdgeflowKit
import Glibc

/// Capture readers: the input is a whole pcap or pcapng file, read by the memory-mapped
/// reader (with the records it reads ahead) and by libpcap; every packet is also analysed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = "/dev/shm/edgeflow-fuzz-capture-\(getpid()).pcap"
    guard let f = fopen(path, "wb") else { return 0 }
    _ = fwrite(data, 1, size, f)
    fclose(f)
    defer { unlink(path) }
    // Inspection slots for 4,096 flows, more than an input can make (65,536 bytes, 16 a record
    // and 20 an IP header at least), not the default 262,144, whose freeing took most of each run
    // under the address sanitizer.
    var settings = FlowSettings()
    settings.maxInspectedFlows = 4096
    var engine = Engine(settings: settings)
    if var reader = try? MappedCaptureReader(path: path) {
        var ahead = 0
        while let p = reader.next() {
            // Every byte of the record read ahead is read: one outside the mapping faults.
            if let a = reader.frameAhead() { ahead = a.reduce(ahead) { $0 &+ Int($1) } }
            engine.ingest(p)
        }
        _ = ahead
    }
    if var reader = try? LibpcapReader(path: path) {
        var n = 0
        while let p = reader.next() { n &+= p.capturedLength }
        _ = n
    }
    engine.finish()
    return 0
}
