// Builders for test packets and capture files, written from the wire formats (RFC 791,
// RFC 8200, RFC 793, RFC 768, IEEE 802.1Q, the pcap and pcapng specifications), independent
// of the decoder under test.
import Foundation

enum Frames {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le16(_ v: UInt16) -> [UInt8] { be16(v).reversed() }
    static func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }

    static func ipv4(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0)! } }

    static func ipv6(_ text: String) -> [UInt8] {
        var addr = in6_addr()
        precondition(inet_pton(AF_INET6, text, &addr) == 1)
        return withUnsafeBytes(of: addr) { Array($0) }
    }

    /// Ethernet II header, optionally with VLAN tags (TPID, VID) outermost first.
    static func ethernet(type: UInt16, vlans: [(UInt16, UInt16)] = []) -> [UInt8] {
        var b: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB]
        for (tpid, vid) in vlans { b += be16(tpid) + be16(vid) }
        return b + be16(type)
    }

    static func ipv4Header(src: String, dst: String, proto: UInt8, payloadLength: Int,
                           fragmentOffset: UInt16 = 0, moreFragments: Bool = false,
                           options: [UInt8] = [], totalLengthOverride: UInt16? = nil) -> [UInt8] {
        let ihl = (20 + options.count) / 4
        let total = UInt16(ihl * 4 + payloadLength)
        let flags: UInt16 = (moreFragments ? 0x2000 : 0) | fragmentOffset
        var h: [UInt8] = [UInt8(0x40 | ihl), 0] + be16(totalLengthOverride ?? total) + be16(0x1234) + be16(flags) + [64, proto, 0, 0]
        h += ipv4(src) + ipv4(dst) + options
        var sum: UInt32 = 0
        for i in stride(from: 0, to: h.count, by: 2) { sum += UInt32(h[i]) << 8 | UInt32(h[i + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let c = be16(~UInt16(sum))
        h[10] = c[0]; h[11] = c[1]
        return h
    }

    static func ipv6Header(src: String, dst: String, next: UInt8, payloadLength: Int) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(UInt16(payloadLength)) + [next, 64] + ipv6(src) + ipv6(dst)
    }

    static func tcp(sport: UInt16, dport: UInt16, seq: UInt32, ack: UInt32, flags: UInt8,
                    window: UInt16 = 65535, options: [UInt8] = [], payload: [UInt8] = []) -> [UInt8] {
        let off = UInt8((20 + options.count) / 4)
        return be16(sport) + be16(dport) + be32(seq) + be32(ack) + [off << 4, flags] + be16(window) + [0, 0, 0, 0] + options + payload
    }

    static func udp(sport: UInt16, dport: UInt16, payload: [UInt8], lengthOverride: UInt16? = nil) -> [UInt8] {
        be16(sport) + be16(dport) + be16(lengthOverride ?? UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// Ethernet + IPv4 + TCP.
    static func tcp4(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, flags: UInt8,
                     seq: UInt32 = 1000, ack: UInt32 = 0, window: UInt16 = 65535, payload: [UInt8] = []) -> [UInt8] {
        let t = tcp(sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, window: window, payload: payload)
        return ethernet(type: 0x0800) + ipv4Header(src: src, dst: dst, proto: 6, payloadLength: t.count) + t
    }

    /// Ethernet + IPv4 + UDP.
    static func udp4(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, payload: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
        let u = udp(sport: sport, dport: dport, payload: payload)
        return ethernet(type: 0x0800) + ipv4Header(src: src, dst: dst, proto: 17, payloadLength: u.count) + u
    }
}

/// One record for a test capture.
struct TestRecord {
    var seconds: UInt32
    var fraction: UInt32
    var data: [UInt8]
    var originalLength: Int? = nil
    var interface: UInt32 = 0
}

/// Writes classic pcap and pcapng files for tests.
enum CaptureFile {
    static func pcap(_ records: [TestRecord], linkType: UInt32 = 1, bigEndian: Bool = false,
                     nanoseconds: Bool = false, snaplen: UInt32 = 65535) -> [UInt8] {
        let w32 = { (v: UInt32) -> [UInt8] in bigEndian ? Frames.be32(v) : Frames.le32(v) }
        let w16 = { (v: UInt16) -> [UInt8] in bigEndian ? Frames.be16(v) : Frames.le16(v) }
        var out = w32(nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4) + w16(2) + w16(4) + w32(0) + w32(0) + w32(snaplen) + w32(linkType)
        for r in records {
            out += w32(r.seconds) + w32(r.fraction) + w32(UInt32(r.data.count)) + w32(UInt32(r.originalLength ?? r.data.count)) + r.data
        }
        return out
    }

    struct Interface {
        var linkType: UInt16 = 1
        var tsresol: UInt8? = nil
        var snaplen: UInt32 = 0
    }

    /// One pcapng section; `raw` timestamps are in the interface's units.
    static func pcapngSection(interfaces: [Interface], packets: [(interface: UInt32, timestamp: UInt64, data: [UInt8])],
                              bigEndian: Bool = false, extraBlocks: [[UInt8]] = []) -> [UInt8] {
        let w32 = { (v: UInt32) -> [UInt8] in bigEndian ? Frames.be32(v) : Frames.le32(v) }
        let w16 = { (v: UInt16) -> [UInt8] in bigEndian ? Frames.be16(v) : Frames.le16(v) }
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let len = UInt32(12 + body.count)
            return w32(type) + w32(len) + body + w32(len)
        }
        func pad(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }
        var out = block(0x0A0D_0D0A, w32(0x1A2B_3C4D) + w16(1) + w16(0) + [UInt8](repeating: 0xFF, count: 8))
        for i in interfaces {
            var body = w16(i.linkType) + w16(0) + w32(i.snaplen)
            if let r = i.tsresol { body += w16(9) + w16(1) + pad([r]) + w16(0) + w16(0) }
            out += block(1, body)
        }
        for b in extraBlocks { out += b }
        for p in packets {
            let body = w32(p.interface) + w32(UInt32(p.timestamp >> 32)) + w32(UInt32(p.timestamp & 0xFFFF_FFFF))
                + w32(UInt32(p.data.count)) + w32(UInt32(p.data.count)) + pad(p.data)
            out += block(6, body)
        }
        return out
    }

    /// Writes bytes to a fresh temporary file and returns its path.
    static func temporary(_ bytes: [UInt8], suffix: String = ".pcap") -> String {
        let path = scratchPath("capture") + suffix
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }
}

/// The repository root, for tests that read Captures/.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// The package's build products directory of this build (debug or release): the `edgeflow`
/// binary is built beside the running test bundle, so `swift test -c release` tests the
/// release binary.
let buildProductsDirectory: String = {
    #if os(Linux)
    // The test bundle is an executable on Linux; /proc/self/exe is its real path.
    let running = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    #else
    // On Darwin the tests run inside the .xctest bundle, which sits in the products directory.
    let running = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL ?? Bundle.main.bundleURL
    #endif
    return running.deletingLastPathComponent().path
}()
