/// A source of packets read in file order. Each returned packet's bytes stay valid at least
/// until the next call to `next()` on the same reader.
public protocol PacketReader {
    /// The next packet, or nil at the end (or at an error that stops reading, recorded in `issues`).
    mutating func next() -> Packet?
    /// Problems met so far, in file order.
    var issues: [CaptureIssue] { get }
    /// Link types declared by the file (one per interface for pcapng).
    var declaredLinkTypes: [LinkType] { get }
    /// "pcap" or "pcapng" (or "unknown" when it cannot be told, as for standard input).
    var formatName: String { get }
    /// The captured bytes of a record a few packets past the one `next()` returned last, each
    /// record once, for prefetching its flow's state (`LookupAhead`), when it is an Ethernet
    /// frame; nil when the reader cannot tell. Reading ahead changes nothing `next()` returns.
    mutating func frameAhead() -> UnsafeRawBufferPointer?
}

extension PacketReader {
    /// No frame ahead: a reader whose bytes go when it reads on (libpcap's), or that reads no
    /// further than it must (standard input).
    public mutating func frameAhead() -> UnsafeRawBufferPointer? { nil }
}

/// The container format named by a file's first four bytes.
func captureFormatName(magic: UInt32) -> String {
    switch magic {
    case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1: "pcap"
    case 0x0A0D_0D0A: "pcapng"
    // RFC 1952's ID1 ID2 (1f 8b): a .pcap.gz as archives hand them out; no reader here opens it.
    case _ where magic & 0xFFFF == 0x8B1F: "gzip"
    default: "unknown"
    }
}

/// Largest captured length accepted per record; larger values mean a damaged file.
/// libpcap uses the same ceiling (MAXIMUM_SNAPLEN) for ordinary link types.
public let maximumCapturedLength = 262_144

/// The snapshot length libpcap would enforce for a file header's value.
@inline(__always)
func effectiveSnaplen(_ declared: UInt32) -> Int {
    declared == 0 || Int(declared) > maximumCapturedLength ? maximumCapturedLength : Int(declared)
}

extension Array where Element == CaptureIssue {
    /// Records a repeated non-fatal issue once, counting further occurrences.
    mutating func noteRepeated(_ issue: CaptureIssue) {
        if let i = firstIndex(where: { $0.kind == issue.kind && !$0.fatal }) {
            self[i].count += 1
        } else {
            append(issue)
        }
    }
}
