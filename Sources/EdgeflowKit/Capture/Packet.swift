/// One captured packet, lent by a reader for the duration of a callback or until the
/// reader's next call. `bytes` points into the reader's memory mapping or libpcap's
/// buffer; it is never copied.
public struct Packet {
    /// Capture time in nanoseconds since the Unix epoch (UTC).
    public var timestamp: Int64
    /// The record's link-layer type.
    public var linkType: LinkType
    /// pcapng interface id (0 for classic pcap and libpcap).
    public var interface: UInt32
    /// Length of the packet on the wire.
    public var originalLength: Int
    /// Captured bytes (at most `originalLength`).
    public var bytes: UnsafeRawBufferPointer {
        @inline(__always) get { UnsafeRawBufferPointer(start: start, count: capturedLength) }
        set {
            start = newValue.baseAddress ?? Self.noBytes
            capturedLength = newValue.count
        }
    }
    /// 1-based record number within its file.
    public var number: Int
    /// Byte offset of the record in its file, or -1 when the reader cannot tell.
    public var fileOffset: Int
    /// The number of captured bytes.
    public private(set) var capturedLength: Int
    /// Where the captured bytes start; never nil (no bytes: `noBytes`), so that a packet's
    /// length and bytes are read with no test for a nil base (`bytes` of a nil base counts 0).
    private var start: UnsafeRawPointer

    /// The start of a packet that has no captured bytes and no base address (one byte, never
    /// read or written).
    nonisolated(unsafe) private static let noBytes = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16))

    public init(timestamp: Int64, linkType: LinkType, interface: UInt32, originalLength: Int,
                bytes: UnsafeRawBufferPointer, number: Int, fileOffset: Int) {
        self.init(timestamp: timestamp, linkType: linkType, interface: interface, originalLength: originalLength,
                  start: bytes.baseAddress ?? Self.noBytes, capturedLength: bytes.count, number: number, fileOffset: fileOffset)
    }

    /// A packet whose `capturedLength` bytes start at `start`.
    @inline(__always)
    init(timestamp: Int64, linkType: LinkType, interface: UInt32, originalLength: Int,
         start: UnsafeRawPointer, capturedLength: Int, number: Int, fileOffset: Int) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.interface = interface
        self.originalLength = originalLength
        self.start = start
        self.capturedLength = capturedLength
        self.number = number
        self.fileOffset = fileOffset
    }

    /// `seconds` plus `nanoseconds` since the Unix epoch as a `timestamp`, or nil when that is
    /// before 1970 or after Int64.max ns (2262-04-11): the readers refuse such a packet with a
    /// `timestampOutOfRange` warning, so every timestamp is at least 0 and a later one minus an
    /// earlier one (a duration) always fits in an Int64.
    @inline(__always)
    static func timestamp(seconds: Int64, nanoseconds: Int64) -> Int64? {
        let (whole, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (t, o2) = whole.addingReportingOverflow(nanoseconds)
        return o1 || o2 || t < 0 ? nil : t
    }
}

/// A link-layer header type (pcap LINKTYPE_ / DLT_ value).
public struct LinkType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let rawDLT12 = LinkType(rawValue: 12)
    public static let rawDLT14 = LinkType(rawValue: 14)
    public static let raw = LinkType(rawValue: 101)
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Short name used in reports.
    public var name: String {
        switch self {
        case .null: "null"
        case .ethernet: "ethernet"
        case .rawDLT12, .rawDLT14, .raw: "raw"
        case .loop: "loop"
        case .linuxSLL: "linux-sll"
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .linuxSLL2: "linux-sll2"
        default: "linktype-\(rawValue)"
        }
    }
}
