import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// Owns one libpcap handle and closes it exactly once.
final class PcapHandle {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { pcap_close(raw) }
}

/// Reads a capture file (or standard input, `-`) through libpcap's offline reader with
/// nanosecond timestamps. libpcap's own buffer is lent, not copied; it is reused by the
/// next call.
public struct LibpcapReader: PacketReader {
    private let handle: PcapHandle
    private let name: String
    private let linkType: LinkType
    private var number = 0
    private var finished = false
    public private(set) var issues: [CaptureIssue] = []
    public var declaredLinkTypes: [LinkType] { [linkType] }
    public let formatName: String

    /// Opens `path` (`-` for standard input).
    /// - Throws: `CaptureIssue` carrying libpcap's message when the file cannot be opened.
    public init(path: String) throws(CaptureIssue) {
        var err = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &err) else {
            let message = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let kind: CaptureIssue.Kind = message.contains("unknown file format") ? .badMagic
                : message.contains("truncated") ? .truncatedFileHeader : .readError
            // libpcap does not read gzip; standard input and pipes cannot be looked at again.
            let gzip = path != "-" && isRegularFile(path) && Self.sniffFormat(path) == "gzip"
            let advice = gzip ? "; this file is gzip-compressed: run `gunzip` on it first"
                : kind == .badMagic ? "; give a capture written by tcpdump, dumpcap or Wireshark"
                    + (path == "-" ? " (a gzip-compressed one through `gunzip -c` first)" : "")
                : kind == .truncatedFileHeader ? "; the file is cut short" : ""
            throw CaptureIssue(kind: kind, file: path, packet: 0, offset: 0,
                               detail: "libpcap: \(message)\(advice)", fatal: true)
        }
        handle = PcapHandle(h)
        name = path
        linkType = LinkType(rawValue: UInt32(pcap_datalink(h)))
        formatName = Self.formatName(h)
    }

    /// From the version libpcap read in the file's header (2.x: pcap, 1.x: a pcapng section
    /// header), not by opening the file again: a pipe's bytes would go to that second reader.
    private static func formatName(_ h: OpaquePointer) -> String {
        switch pcap_major_version(h) {
        case 2: "pcap"
        case 1: "pcapng"
        default: "unknown"
        }
    }

    private static func sniffFormat(_ path: String) -> String {
        guard let f = fopen(path, "rb") else { return "unknown" }
        defer { fclose(f) }
        var magic: UInt32 = 0
        guard fread(&magic, 4, 1, f) == 1 else { return "unknown" }
        return captureFormatName(magic: magic)
    }

    public mutating func next() -> Packet? {
        if finished { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var status = pcap_next_ex(handle.raw, &header, &data)
        while status == 1, let record = header, let bytes = data {
            number &+= 1
            let h = record.pointee
            // pcap stores seconds as an unsigned 32-bit field; libpcap hands it on as signed.
            var secs = Int64(h.ts.tv_sec)
            if secs < 0 { secs &+= 1 << 32 }
            guard let ts = Packet.timestamp(seconds: secs, nanoseconds: Int64(h.ts.tv_usec)) else {
                issues.noteRepeated(CaptureIssue(kind: .timestampOutOfRange, file: name, packet: number, offset: -1,
                                                 detail: "timestamp \(secs) s falls before 1970 or after 2262; packet skipped (a damaged record)",
                                                 fatal: false))
                status = pcap_next_ex(handle.raw, &header, &data)
                continue
            }
            return Packet(timestamp: ts, linkType: linkType, interface: 0,
                          originalLength: max(Int(h.len), Int(h.caplen)),
                          bytes: UnsafeRawBufferPointer(start: UnsafeRawPointer(bytes), count: Int(h.caplen)),
                          number: number, fileOffset: -1)
        }
        finished = true
        if status == PCAP_ERROR {
            let message = String(cString: pcap_geterr(handle.raw))
            var offset = -1
            if let f = pcap_file(handle.raw) { offset = ftell(f) }
            // libpcap reads one link type a file; edgeflow's own reader takes each interface's.
            let advice = message.contains("different from the type of the first interface") && isRegularFile(name)
                ? "; --reader mmap reads a pcapng whose interfaces differ in link type" : ""
            issues.append(CaptureIssue(kind: Self.kind(of: message), file: name, packet: number + 1, offset: offset,
                                       detail: "libpcap: \(message)\(advice)", fatal: true))
        }
        return nil
    }

    /// Maps libpcap's error text to the same issue kinds the mapped reader reports.
    static func kind(of message: String) -> CaptureIssue.Kind {
        if message.contains("header bytes") { return .truncatedRecordHeader }
        if message.contains("captured bytes") { return .truncatedPacket }
        if message.contains("invalid packet capture length") { return .caplenTooLarge }
        if message.contains("pcapng") && message.contains("truncated") { return .truncatedBlock }
        if message.contains("length of") || message.contains("block") { return .badBlockLength }
        if message.contains("Interface Description Block") { return .unknownInterface }
        return .readError
    }
}
