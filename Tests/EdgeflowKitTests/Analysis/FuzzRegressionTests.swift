import Glibc
import Testing
@testable import EdgeflowKit

/// Inputs libFuzzer found crashing (Fuzz/run.sh, address sanitizer), kept so they stay fixed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzSTUN: a 10-byte MS-TURN-looking frame made TCPFraming read 4 bytes at offset 8.
    @Test("TCP framing of a 10-byte MS-TURN control header")
    func shortMSTURNFrame() {
        let input: [UInt8] = [0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        let pdu = input.withUnsafeBytes { TCPFraming.next($0) }
        #expect(pdu.kind == .msTURNControl && pdu.length == 4)
    }

    /// FuzzSTUN (crash-d09aa87e, CI of a8a9bef): an RFC 3489 message (no cookie) whose last
    /// attributes are XOR-MAPPED-ADDRESS (0x0020) and MS-TURN's (0x8020) with no value made the
    /// flow-facts walk read the address family and port, 4 bytes, past the message's end. The
    /// message ends just before a page that cannot be read, so such a read faults.
    ///
    /// The input by hand: type 0x0002 (RFC 3489 Shared Secret Request, a legacy type), Length 12,
    /// bytes 4-19 the 128-bit transaction id (0x2312A442 is not the magic cookie: RFC 3489), then
    /// three attributes of length 0: 0x0400 (comprehension-required, RFC 8489 §14, but in no
    /// registry: an analyzer that only watches counts it unknown, it cannot refuse it), 0x0020
    /// XOR-MAPPED-ADDRESS and 0x8020 (MS-TURN's XOR-MAPPED-ADDRESS, [MS-TURN] §2.2.2), whose value
    /// is at least 8 bytes (family, port, IPv4 address: RFC 8489 §14.2): both malformed, so 2.
    /// The message decodes (12 bytes of headers fill its Length), with no address.
    @Test("address attributes of length 0 at the message's end: malformed, nothing read past it")
    func emptyAddressAtTheEnd() throws {
        let input: [UInt8] = [0x00, 0x02, 0x00, 0x0C, 0x23, 0x12, 0xA4, 0x42, 0x02, 0xAB, 0xF3, 0xDE, 0xED, 0x5B, 0xBD, 0xFF,
                              0x00, 0xFF, 0x0E, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x80, 0x20, 0x00, 0x00]
        try Self.beforeUnreadablePage(input) { p in
            let m = try #require(try? STUNDecoder.decode(p, allowLegacy: true))
            #expect(m.flavour == .rfc3489 && m.attributes.count == 3)
            #expect(m.attributes.unknownCount == 1 && m.attributes.unknown(at: 0)?.type == 0x0400)
            #expect(m.attributes.malformedCount == 2 && m.attributes.firstMalformedType == 0x0020)
            #expect(m.attributes.xorMappedAddress == nil && m.attributes.msXorMappedAddress == nil)
        }
        // The middle attribute another address of length 0: MAPPED-ADDRESS (RFC 8489 §14.1),
        // XOR-PEER-ADDRESS (0x0012; without the cookie read as MS-TURN's REMOTE-ADDRESS, a plain
        // address), XOR-RELAYED-ADDRESS (0x0016, RFC 8656 §18.5), XOR-MAPPED-ADDRESS and 0x8020:
        // at least 8 bytes each, so malformed, with 0x8020 after it: 2 again, the first this one.
        for type: UInt16 in [0x0001, 0x0012, 0x0016, 0x0020, 0x8020] {
            var bytes = input
            bytes[24] = UInt8(type >> 8)
            bytes[25] = UInt8(type & 0xFF)
            try Self.beforeUnreadablePage(bytes) { q in
                let m = try #require(try? STUNDecoder.decode(q, allowLegacy: true), "0x\(String(type, radix: 16))")
                #expect(m.attributes.malformedCount == 2 && m.attributes.firstMalformedType == type, "0x\(String(type, radix: 16))")
                #expect(m.attributes.anyMappedAddress == nil && m.attributes.dataPeer == nil && m.attributes.xorRelayedAddress == nil,
                        "0x\(String(type, radix: 16))")
            }
        }
    }

    /// Runs `body` on `bytes` copied to the end of a readable page that an unreadable one follows.
    static func beforeUnreadablePage(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(base != MAP_FAILED)
        defer { munmap(base, 2 * page) }
        try #require(mprotect(base + page, page, PROT_NONE) == 0)
        let start = base + page - bytes.count
        bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        try body(UnsafeRawBufferPointer(start: start, count: bytes.count))
    }
}
