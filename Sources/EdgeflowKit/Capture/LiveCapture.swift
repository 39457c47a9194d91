import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// How to open a network interface.
public struct LiveCaptureSettings: Sendable {
    public var interface: String
    /// Bytes kept per packet: enough for a TLS handshake's certificate segments.
    public var snaplen: Int32 = 65535
    /// The kernel ring (TPACKET_V3 on Linux) in bytes.
    public var bufferSize: Int32 = 64 << 20
    /// A BPF filter (tcpdump syntax); empty for every packet.
    public var filter = LiveCaptureSettings.defaultFilter
    public var promiscuous = true

    /// The hybrid ports (SIP/TLS 5061, STUN/TURN 3478-3481 and 443, media 50000-59999),
    /// DNS, plaintext SIP, and IPv4 fragments after the first (they carry no ports).
    public static let defaultFilter = "tcp port 5061 or tcp port 443 or tcp portrange 50000-59999 "
        + "or udp portrange 3478-3481 or udp portrange 50000-59999 or port 53 or port 5060 "
        + "or (ip and ip[6:2] & 0x1fff != 0)"

    public init(interface: String) { self.interface = interface }

    /// The defaults (with no interface), for front ends that show them.
    public static let defaults = LiveCaptureSettings(interface: "")
}

/// A network interface opened with libpcap in non-blocking mode. Packets are lent straight
/// from libpcap's ring for the duration of a `dispatch` callback, never copied.
public final class LiveCapture {
    private let handle: OpaquePointer
    public let interface: String
    public let linkType: LinkType
    private var number = 0
    /// Readable when packets wait (for `poll`), or -1.
    private let fd: Int32
    /// The PACKET_FANOUT group this socket joined, with its id.
    public let fanoutGroup: FanoutGroup?

    /// Opens and activates the interface and installs the filter.
    /// - Parameter fanout: a PACKET_FANOUT group this socket joins before its filter is installed
    ///   (`--threads` > 1: one socket per thread, each given whole flows); `fanoutGroup` is the
    ///   group joined, with its id when the kernel chose it.
    /// - Throws: what went wrong and what to do (missing interface, CAP_NET_RAW, bad filter,
    ///   fanout not supported).
    public init(_ settings: LiveCaptureSettings, fanout: FanoutGroup? = nil, warn: (String) -> Void) throws(EdgeflowError) {
        var err = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(settings.interface, &err) else {
            throw EdgeflowError("cannot open interface \(settings.interface): \(err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
        }
        pcap_set_snaplen(h, settings.snaplen)
        pcap_set_promisc(h, settings.promiscuous ? 1 : 0)
        pcap_set_timeout(h, 100)
        pcap_set_buffer_size(h, settings.bufferSize)
        pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(h)
        let name = settings.interface
        if status < 0 {
            let detail = String(cString: pcap_geterr(h))
            pcap_close(h)
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw EdgeflowError("no interface named \(name) (\(detail)); list the interfaces with `ip link` or `tcpdump -D`")
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw EdgeflowError("""
                    not permitted to capture on \(name) (\(detail)); run as root, or give the binary the capability: \
                    sudo setcap cap_net_raw,cap_net_admin=eip $(command -v edgeflow)   (CAP_NET_RAW captures, \
                    CAP_NET_ADMIN sets promiscuous mode)
                    """)
            case PCAP_ERROR_IFACE_NOT_UP:
                throw EdgeflowError("interface \(name) is down; bring it up with `ip link set \(name) up`")
            default:
                throw EdgeflowError("cannot capture on \(name): \(detail)")
            }
        } else if status > 0 {
            warn("\(name): \(String(cString: pcap_geterr(h)))")
        }
        var joined = fanout
        if joined != nil {
            do throws(EdgeflowError) { try joined!.join(pcap_fileno(h), interface: name) } catch {
                pcap_close(h)
                throw error
            }
        }
        if !settings.filter.isEmpty {
            var program = bpf_program()
            if pcap_compile(h, &program, settings.filter, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                throw EdgeflowError("bad --filter \"\(settings.filter)\": \(detail); the syntax is tcpdump's (man pcap-filter)")
            }
            let set = pcap_setfilter(h, &program)
            pcap_freecode(&program)
            if set != 0 {
                let detail = String(cString: pcap_geterr(h))
                pcap_close(h)
                throw EdgeflowError("cannot install --filter on \(name): \(detail)")
            }
        }
        if pcap_setnonblock(h, 1, &err) != 0 {
            pcap_close(h)
            throw EdgeflowError("cannot make \(name) non-blocking: \(err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
        }
        handle = h
        interface = name
        fanoutGroup = joined
        linkType = LinkType(rawValue: UInt32(pcap_datalink(h)))
        fd = pcap_get_selectable_fd(h)
    }

    deinit { pcap_close(handle) }

    /// Hands every packet waiting in the ring to `body`; returns how many there were.
    @inline(__always)
    public func dispatch(_ body: (Packet) -> Void) -> Int {
        withoutActuallyEscaping(body) { body in
            var context = DispatchContext(body: body, linkType: linkType, number: number)
            let n = withUnsafeMutablePointer(to: &context) { ctx in
                pcap_dispatch(handle, -1, { user, header, bytes in
                    let ctx = UnsafeMutableRawPointer(user!).assumingMemoryBound(to: DispatchContext.self)
                    let h = header!.pointee
                    ctx.pointee.number &+= 1
                    // With nanosecond precision, tv_usec holds nanoseconds; a clock before 1970 reads as 1970.
                    let ts = Packet.timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: Int64(h.ts.tv_usec)) ?? 0
                    let packet = Packet(timestamp: ts, linkType: ctx.pointee.linkType, interface: 0, originalLength: Int(h.len),
                                        bytes: UnsafeRawBufferPointer(start: bytes, count: Int(h.caplen)),
                                        number: ctx.pointee.number, fileOffset: -1)
                    ctx.pointee.body(packet)
                }, UnsafeMutableRawPointer(ctx).assumingMemoryBound(to: UInt8.self))
            }
            number = context.number
            return Int(max(0, n))
        }
    }

    /// Waits until packets arrive or `milliseconds` pass.
    public func wait(milliseconds: Int32) {
        guard fd >= 0 else { usleep(UInt32(milliseconds) * 1000); return }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&p, 1, milliseconds)
    }

    /// libpcap's counters: packets the kernel received, dropped for lack of buffer, and
    /// dropped by the interface or driver.
    public func statistics() -> (received: Int, dropped: Int, interfaceDropped: Int) {
        var s = pcap_stat()
        guard pcap_stats(handle, &s) == 0 else { return (0, 0, 0) }
        return (Int(s.ps_recv), Int(s.ps_drop), Int(s.ps_ifdrop))
    }

    private struct DispatchContext {
        var body: (Packet) -> Void
        var linkType: LinkType
        var number: Int
    }
}

/// Switches the process to an unprivileged user after the interface is open (like tcpdump -Z).
public func dropPrivileges(to user: String) throws(EdgeflowError) {
    guard let pw = getpwnam(user) else { throw EdgeflowError("--user \(user): no such user; name an existing account (e.g. nobody)") }
    let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
    guard initgroups(user, gid) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
        throw EdgeflowError("--user \(user): cannot switch to uid \(uid): \(String(cString: strerror(errno))); run as root to drop privileges")
    }
}
