import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// A Linux PACKET_FANOUT group (packet(7)): the capture sockets that join it share the
/// interface's packets, each packet going to the one a classic BPF program picks
/// (PACKET_FANOUT_CBPF, the program's result modulo the number of sockets).
///
/// The program (`FanoutGroup.program`) hashes a packet by edgeflow's own flow rule, so every
/// packet of a flow, both ways, reaches one socket: the XOR of the IP addresses and, for TCP
/// and UDP, of the ports, which is the same both ways; the ports of a first fragment count
/// (edgeflow gives first fragments to their flow) and a fragment after the first, which has
/// none, is hashed by its addresses (edgeflow only counts it). The kernel's own
/// PACKET_FANOUT_HASH is symmetric too (`__skb_get_hash_symmetric`), but its flow dissector
/// reads no ports from a first fragment, so a fragmented datagram could reach another socket
/// than the rest of its flow; PACKET_FANOUT_FLAG_DEFRAG would avoid that only by handing the
/// sockets reassembled datagrams instead of the packets one socket sees. VXLAN (UDP 4789),
/// whose source port differs by direction, is hashed by the tunnel's addresses, as are GRE and
/// other protocols, so both directions of a tunnel's inner flows meet too.
public struct FanoutGroup: Sendable, Equatable {
    /// The group's id, unique per network namespace while a socket holds it; nil until the
    /// first socket has joined a new group and the kernel has chosen it.
    public private(set) var id: UInt16?

    /// A new group: the first socket to join asks the kernel for an id no other group in the
    /// network namespace holds (PACKET_FANOUT_FLAG_UNIQUEID, Linux 4.12; before it, the process
    /// id's low 16 bits), the others join that id.
    public init() { id = nil }

    /// The existing group `id`.
    public init(id: UInt16) { self.id = id }

    // <linux/if_packet.h>, <linux/socket.h>
    private static let solPacket: Int32 = 263
    private static let packetFanout: Int32 = 18
    private static let packetFanoutData: Int32 = 22
    private static let fanoutCBPF: UInt32 = 6
    private static let flagUniqueID: UInt32 = 0x2000

    /// Adds the packet socket `fd` to the group and sets the group's program; a new group takes
    /// the id the kernel gave it.
    /// - Throws: when the system has no PACKET_FANOUT or the capture is not on a packet socket.
    mutating func join(_ fd: Int32, interface: String) throws(EdgeflowError) {
        #if os(Linux)
        var failed = fd < 0
        if !failed, let id {
            failed = !Self.setFanout(fd, UInt32(id) | Self.fanoutCBPF << 16)
        } else if !failed {
            if Self.setFanout(fd, (Self.fanoutCBPF | Self.flagUniqueID) << 16) {
                // getsockopt(PACKET_FANOUT) gives the group: its id in the low 16 bits.
                var joined: UInt32 = 0
                var length = socklen_t(MemoryLayout<UInt32>.size)
                failed = getsockopt(fd, Self.solPacket, Self.packetFanout, &joined, &length) != 0
                if !failed { id = UInt16(truncatingIfNeeded: joined) }
            } else if errno == EINVAL {
                // Linux before 4.12 knows no PACKET_FANOUT_FLAG_UNIQUEID: the process id's low 16 bits.
                let pid = UInt16(truncatingIfNeeded: getpid())
                failed = !Self.setFanout(fd, UInt32(pid) | Self.fanoutCBPF << 16)
                if !failed { id = pid }
            } else {
                failed = true
            }
        }
        if !failed {
            var code = Self.program
            failed = code.withUnsafeMutableBufferPointer { insns in
                var fprog = SocketFilterProgram(length: UInt16(insns.count), instructions: insns.baseAddress)
                return setsockopt(fd, Self.solPacket, Self.packetFanoutData, &fprog, socklen_t(MemoryLayout<SocketFilterProgram>.size)) != 0
            }
        }
        if failed {
            let reason = fd < 0 ? "libpcap gave no socket" : String(cString: strerror(errno))
            throw EdgeflowError("""
                --threads > 1 needs a Linux packet socket that joins a PACKET_FANOUT group with a BPF program \
                (Linux 4.3 or later), and \(interface) refused (\(reason)); capture with --threads 1
                """)
        }
        #else
        throw EdgeflowError("--threads > 1 for live capture needs Linux's PACKET_FANOUT; capture on \(interface) with --threads 1")
        #endif
    }

    #if os(Linux)
    private static func setFanout(_ fd: Int32, _ value: UInt32) -> Bool {
        var value = value
        return setsockopt(fd, solPacket, packetFanout, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0
    }
    #endif

    /// `struct sock_fprog` of <linux/filter.h>.
    private struct SocketFilterProgram {
        var length: UInt16
        var instructions: UnsafeMutablePointer<bpf_insn>?
    }

    /// The fanout program, in classic BPF (loads relative to the network header, SKF_NET_OFF,
    /// so the link layer and VLAN tags the kernel has taken off do not matter). Scratch
    /// memory: M[0] the hash so far, M[1] the ports word.
    static let program: [bpf_insn] = {
        let net: UInt32 = 0xFFF0_0000  // SKF_NET_OFF (-0x100000)
        var a = BPFAssembler()
        a.op(0x30, net)              // ldb [net+0]: version and IHL
        a.op(0x74, 4)                // rsh #4
        a.jump(0x15, 4, to: "v4")    // jeq #4
        a.jump(0x15, 6, to: "v6")    // jeq #6
        a.op(0x06, 0)                // ret #0: not IP, the first socket
        a.label("v4")
        a.op(0x20, net + 12)         // ld [net+12]: source
        a.op(0x07, 0)                // tax
        a.op(0x20, net + 16)         // ld [net+16]: destination
        a.op(0xAC, 0)                // xor x
        a.op(0x02, 0)                // st M[0]
        a.op(0x28, net + 6)          // ldh [net+6]: flags and fragment offset
        a.jump(0x45, 0x1FFF, to: "done")  // jset: a fragment after the first, addresses only
        a.op(0x30, net + 9)          // ldb [net+9]: protocol
        a.jump(0x15, 6, to: "ports4")
        a.jump(0x15, 17, to: "ports4", otherwise: "done")
        a.label("ports4")
        a.op(0x30, net)              // ldb [net+0]
        a.op(0x54, 0xF)              // and #0xf
        a.op(0x64, 2)                // lsh #2: the header's length
        a.op(0x07, 0)                // tax
        a.op(0x40, net)              // ld [x+net]: source and destination ports
        a.jump(0x05, 0, to: "ports") // ja
        a.label("v6")
        a.op(0x20, net + 8)          // ld [net+8]: the addresses' eight words, XORed
        for k in stride(from: UInt32(12), through: 36, by: 4) {
            a.op(0x07, 0)            // tax
            a.op(0x20, net + k)      // ld [net+k]
            a.op(0xAC, 0)            // xor x
        }
        a.op(0x02, 0)                // st M[0]
        a.op(0x30, net + 6)          // ldb [net+6]: next header
        a.jump(0x15, 6, to: "ports6")
        a.jump(0x15, 17, to: "ports6")
        a.jump(0x15, 44, to: "fragment6", otherwise: "done")
        a.label("ports6")
        a.op(0x20, net + 40)         // ld [net+40]
        a.jump(0x05, 0, to: "ports")
        a.label("fragment6")
        a.op(0x28, net + 42)         // ldh [net+42]: fragment offset and flags
        a.jump(0x45, 0xFFF8, to: "done")  // a fragment after the first, addresses only
        a.op(0x30, net + 40)         // ldb [net+40]: the fragment header's next header
        a.jump(0x15, 6, to: "ports6f")
        a.jump(0x15, 17, to: "ports6f", otherwise: "done")
        a.label("ports6f")
        a.op(0x20, net + 48)         // ld [net+48]
        a.label("ports")
        a.op(0x02, 1)                // st M[1]
        a.op(0x54, 0xFFFF)           // and #0xffff: destination port
        a.jump(0x15, 4789, to: "done")  // VXLAN: the tunnel's addresses only
        a.op(0x07, 0)                // tax
        a.op(0x60, 1)                // ld M[1]
        a.op(0x74, 16)               // rsh #16: source port
        a.jump(0x15, 4789, to: "done")
        a.op(0xAC, 0)                // xor x
        a.op(0x07, 0)                // tax
        a.op(0x60, 0)                // ld M[0]
        a.op(0xAC, 0)                // xor x
        a.op(0x02, 0)                // st M[0]
        a.label("done")
        a.op(0x60, 0)                // ld M[0]
        a.op(0x24, 0x9E37_79B1)      // mul #golden ratio: spreads the bits ...
        a.op(0x74, 16)               // rsh #16: ... into the ones the modulo reads
        a.op(0x16, 0)                // ret a
        return a.assembled()
    }()
}

/// A few lines of classic BPF with forward jumps to named places.
private struct BPFAssembler {
    private var code: [(code: UInt16, k: UInt32, yes: String?, no: String?)] = []
    private var labels: [String: Int] = [:]

    mutating func op(_ code: UInt16, _ k: UInt32) { self.code.append((code, k, nil, nil)) }
    /// A conditional jump (or `ja`, 0x05) to `to` when true, else to `otherwise` or the next instruction.
    mutating func jump(_ code: UInt16, _ k: UInt32, to: String, otherwise: String? = nil) { self.code.append((code, k, to, otherwise)) }
    mutating func label(_ name: String) { labels[name] = code.count }

    func assembled() -> [bpf_insn] {
        code.enumerated().map { i, c in
            func offset(_ label: String?) -> Int { label.map { labels[$0]! - i - 1 } ?? 0 }
            if c.code == 0x05 { return bpf_insn(code: c.code, jt: 0, jf: 0, k: UInt32(offset(c.yes))) }
            return bpf_insn(code: c.code, jt: UInt8(offset(c.yes)), jf: UInt8(offset(c.no)), k: c.k)
        }
    }
}
