import Testing
@testable import EdgeflowKit

@Suite("Packet: its captured bytes and their length")
struct PacketTests {
    @Test("the bytes given are the bytes read, and their length is the captured length")
    func bytesGiven() {
        let data: [UInt8] = [1, 2, 3, 4, 5]
        data.withUnsafeBytes { buffer in
            var p = Packet(timestamp: 7, linkType: .ethernet, interface: 0, originalLength: 9, bytes: buffer, number: 1, fileOffset: 24)
            #expect(p.capturedLength == 5 && p.bytes.count == 5 && p.bytes.baseAddress == buffer.baseAddress)
            #expect(Array(p.bytes) == data)
            // Set to a part of them: start and length follow.
            p.bytes = UnsafeRawBufferPointer(rebasing: buffer[1..<3])
            #expect(p.capturedLength == 2 && Array(p.bytes) == [2, 3])
        }
    }

    @Test("a packet given no bytes (a nil base) has none: length 0, and a non-nil base never read")
    func noBytes() {
        var p = Packet(timestamp: 7, linkType: .ethernet, interface: 0, originalLength: 60,
                       bytes: UnsafeRawBufferPointer(start: nil, count: 0), number: 1, fileOffset: -1)
        #expect(p.capturedLength == 0 && p.bytes.isEmpty && p.bytes.baseAddress != nil)
        // The plain frame readers find nothing in it.
        #expect(PacketDecoder.plainDatagram(p.bytes, linkType: .ethernet) == nil)
        p.bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(p.capturedLength == 0)
    }
}
