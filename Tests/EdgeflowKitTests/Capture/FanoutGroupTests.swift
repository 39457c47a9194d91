import Foundation
import Testing
@testable import EdgeflowKit

/// Joining a PACKET_FANOUT group (`live --threads` > 1) where it cannot be done stops the run
/// with an error that names the interface, the reason and what to do.
@Suite("Fanout group")
struct FanoutGroupTests {
    @Test("a socket that is not a packet socket (UDP) is refused: ENOPROTOOPT, and --threads 1 is suggested")
    func notAPacketSocket() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let error = #expect(throws: EdgeflowError.self) { var group = FanoutGroup(); try group.join(fd, interface: "eth9") }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("eth9") && text.contains(String(cString: strerror(ENOPROTOOPT))) && text.contains("--threads 1"), "\(text)")
    }

    @Test("no socket at all (libpcap's -1) is refused")
    func noSocket() {
        let error = #expect(throws: EdgeflowError.self) { var group = FanoutGroup(id: 4242); try group.join(-1, interface: "any") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("libpcap gave no socket"))
    }
}
