#if canImport(Glibc)
import Glibc
#endif

/// A Linux PACKET_FANOUT group (packet(7)): the capture sockets that join it share the
/// interface's packets, each packet going to one of them by a hash of its flow. The kernel's
/// hash (`fanout_demux_hash`, net/packet/af_packet.c) is `__skb_get_hash_symmetric`, computed
/// in software over the addresses and ports in a canonical order, so both directions of a flow
/// reach the same socket (symmetric on every kernel but 4.3 to 4.4.15 and 4.5 to 4.6.4, whose
/// hash could be the NIC's; Suricata's AF_PACKET documentation gives the same versions).
/// `PACKET_FANOUT_FLAG_DEFRAG` is not set: it would hand sockets reassembled datagrams instead
/// of the fragments one socket sees. Without it, an IPv4 fragment after the first (no ports)
/// may reach another socket than its flow's, where it is counted as a fragment tail, as it would be anyway.
public struct FanoutGroup: Sendable, Equatable {
    /// The group's id, unique per network namespace while a socket holds it.
    public let id: UInt16

    public init(id: UInt16) { self.id = id }

    /// An id for this process's run: its pid's low 16 bits.
    public static func forThisProcess() -> FanoutGroup { FanoutGroup(id: UInt16(truncatingIfNeeded: getpid())) }

    // <linux/if_packet.h>
    private static let packetFanout: Int32 = 18
    private static let fanoutHash: UInt32 = 0

    /// Adds the packet socket `fd` to the group (hash by flow).
    /// - Throws: when the system has no PACKET_FANOUT or the capture is not on a packet socket.
    func join(_ fd: Int32, interface: String) throws(EdgeflowError) {
        #if os(Linux)
        var arg = UInt32(id) | Self.fanoutHash << 16
        let level: Int32 = 263  // SOL_PACKET
        if fd < 0 || setsockopt(fd, level, Self.packetFanout, &arg, socklen_t(MemoryLayout<UInt32>.size)) != 0 {
            let reason = fd < 0 ? "libpcap gave no socket" : String(cString: strerror(errno))
            throw EdgeflowError("""
                --threads > 1 needs a Linux packet socket that joins a PACKET_FANOUT group, and \(interface) \
                refused (\(reason)); capture with --threads 1 (another process may hold fanout group \(id))
                """)
        }
        #else
        throw EdgeflowError("--threads > 1 for live capture needs Linux's PACKET_FANOUT; capture on \(interface) with --threads 1")
        #endif
    }
}
