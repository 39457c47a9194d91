import CPrefetch

/// Reads classic pcap (both byte orders, micro- and nanosecond magic) and pcapng (any
/// number of sections of either byte order, interfaces with their own link type,
/// `if_tsresol` and `if_tsoffset`; enhanced, simple and obsolete packet blocks; other
/// blocks skipped) straight from a memory mapping. Hand-written rather than through
/// libpcap because libpcap copies every record into its own buffer.
public struct MappedCaptureReader: PacketReader {
    private let file: MappedFile
    private let base: UnsafeRawPointer
    private let size: Int
    private let name: String
    private var offset = 0
    private var number = 0
    private var format: Format
    private var interfaces: [Interface] = []
    private var swapped = false
    private var finished = false
    /// Classic pcap of format 2.3 or later (lengths in their documented order) in this host's
    /// byte order, not stopped: `next` reads its well-formed records without leaving the caller
    /// (`pcapLinkType`, `pcapSnaplen` and `pcapFraction` repeat `format`'s values for it).
    private var plainPcap = false
    private var pcapLinkType = LinkType.null
    private var pcapSnaplen = 0
    /// Nanoseconds per unit of the record's second fraction: 1 (nanosecond pcap) or 1,000.
    private var pcapFraction: Int64 = 1000
    /// The file's `MappedFile.nextRelease`, kept here: one comparison per packet.
    private var releaseAt: Int
    /// Where the record `frameAhead` reads next starts (behind `offset` until it first reads).
    /// The records from `offset` up to it were read ahead, their lengths checked (`next` takes
    /// them as they are).
    private var aheadAt = 0
    /// The last record start `recordAhead` takes with one check of its length: a record there or
    /// before, of at most the snapshot length, is within the file (negative: none).
    private var aheadSafe = -1
    public private(set) var issues: [CaptureIssue] = []
    public private(set) var declaredLinkTypes: [LinkType] = []
    public var formatName: String {
        if case .pcap = format { return "pcap" }
        return "pcapng"
    }
    /// A share in the mapped file, for a sharded run whose workers read its packets' bytes
    /// (`ShardedRun`).
    var lease: FileLease { FileLease(file) }

    enum Format { case pcap(nanos: Bool, linkType: LinkType, snaplen: Int, lengthsMaybeSwapped: Bool), pcapng }

    struct Interface {
        var linkType: LinkType
        var snaplen: Int
        /// Converts raw timestamp units to nanoseconds.
        var scale: TimestampScale
        var offsetSeconds: Int64
    }

    /// Opens `path` and validates its file header.
    /// - Throws: `CaptureIssue` when the file cannot be read or is neither pcap nor pcapng.
    public init(path: String) throws(CaptureIssue) {
        try self.init(file: try MappedFile(path: path), name: path)
    }

    /// Reads `file` (named `path` in issues) from its start.
    init(file: MappedFile, name path: String) throws(CaptureIssue) {
        self.file = file
        self.name = path
        self.size = file.size
        releaseAt = file.nextRelease
        guard file.size >= 4, let base = file.base else {
            throw CaptureIssue(kind: .truncatedFileHeader, file: path, packet: 1, offset: 0,
                               detail: "file is empty or shorter than a capture header; nothing to read", fatal: true)
        }
        self.base = base
        let magic = base.loadUnaligned(as: UInt32.self)
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1:
            swapped = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
            let nanos = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
            guard size >= 24 else {
                throw CaptureIssue(kind: .truncatedFileHeader, file: path, packet: 1, offset: 0,
                                   detail: "pcap file header is \(TableReportWriter.counted(size, "byte")), needs 24; the file is cut short", fatal: true)
            }
            let snap = Self.load32(base, 16, swapped)
            let link = LinkType(rawValue: Self.load32(base, 20, swapped) & 0xFFFF)
            // Files before format version 2.3 may hold the two lengths in swapped order (libpcap's rule).
            let rawMajor = base.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
            let rawMinor = base.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
            let major = swapped ? rawMajor.byteSwapped : rawMajor
            let minor = swapped ? rawMinor.byteSwapped : rawMinor
            let maybeSwapped = major < 2 || (major == 2 && minor < 3)
            format = .pcap(nanos: nanos, linkType: link, snaplen: effectiveSnaplen(snap), lengthsMaybeSwapped: maybeSwapped)
            plainPcap = !maybeSwapped && !swapped
            pcapLinkType = link
            pcapSnaplen = effectiveSnaplen(snap)
            pcapFraction = nanos ? 1 : 1000
            aheadSafe = size &- 16 &- pcapSnaplen
            declaredLinkTypes = [link]
            offset = 24
        case 0x0A0D_0D0A:
            format = .pcapng
            guard size >= 12 else {
                throw CaptureIssue(kind: .truncatedFileHeader, file: path, packet: 1, offset: 0,
                                   detail: "pcapng section header is cut short", fatal: true)
            }
        case _ where captureFormatName(magic: magic) == "gzip":
            throw CaptureIssue(kind: .badMagic, file: path, packet: 0, offset: 0,
                               detail: "this file is gzip-compressed: run `gunzip` on it first, or `gunzip -c \(path) | edgeflow analyze -`", fatal: true)
        default:
            let hex = String(magic, radix: 16)
            throw CaptureIssue(kind: .badMagic, file: path, packet: 0, offset: 0,
                               detail: "not a pcap or pcapng file (magic 0x\(hex)); give a capture written by tcpdump, dumpcap or Wireshark", fatal: true)
        }
    }

    @inline(__always)
    private static func load32(_ base: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt32 {
        let v = base.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    private func u32(_ at: Int) -> UInt32 { Self.load32(base, at, swapped) }

    @inline(__always)
    private func u16(_ at: Int) -> UInt16 {
        let v = base.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    /// The next packet. A record of plain pcap (`plainPcap`) whose lengths are within the file
    /// and the snapshot length is read here, inlined into the caller's loop with loads in this
    /// host's byte order; every other record, pcapng and the end of the file go through `nextRecord`.
    /// A record `frameAhead` has already read (before `aheadAt`) had its lengths checked there,
    /// as here: it is taken with no check.
    @inline(__always)
    public mutating func next() -> Packet? {
        let at = offset
        if at < aheadAt { return plainRecord(at: at) }
        if plainPcap, size &- at >= 16 {
            let caplen = Int((base + at).loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            if caplen <= pcapSnaplen, size &- (at &+ 16) >= caplen {
                // No record read ahead (a table too small for the lookups ahead, or a sharded
                // run's calling thread): the file's lines are asked for from here.
                prefetchFile(past: at)
                return plainRecord(at: at)
            }
        }
        return nextRecord()
    }

    /// The plain pcap record at `at`, whose lengths are within the file and the snapshot length.
    @inline(__always)
    private mutating func plainRecord(at: Int) -> Packet {
        let header = base + at
        let caplen = Int(header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let dataStart = at &+ 16
        if at >= releaseAt { releasePages() }
        offset = dataStart &+ caplen
        number &+= 1
        let seconds = Int64(header.loadUnaligned(as: UInt32.self))
        let frac = Int64(header.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let wire = Int(header.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        return Packet(timestamp: seconds &* 1_000_000_000 &+ frac &* pcapFraction, linkType: pcapLinkType, interface: 0,
                      originalLength: max(wire, caplen), start: base + dataStart, capturedLength: caplen, number: number, fileOffset: at)
    }

    /// The bytes of the plain pcap record `LookupAhead.depth` records past the one `next` returned
    /// last (after the first packet, the thirteenth), or nil: not plain pcap of Ethernet frames, at
    /// the end of the file, or at a record whose lengths `next` would not take in place (read
    /// again once `next` is past it). The record header's lengths are checked as `next` checks them.
    @inline(__always)
    public mutating func frameAhead() -> UnsafeRawBufferPointer? {
        // Records were read ahead of `offset` in plain pcap only.
        if aheadAt > offset { return recordAhead() }
        return plainPcap && pcapLinkType == .ethernet ? catchUp() : nil
    }

    /// `frameAhead` from the reader's own position: the records before the one it returns skipped.
    @inline(never)
    private mutating func catchUp() -> UnsafeRawBufferPointer? {
        aheadAt = offset
        for _ in 1..<LookupAhead.depth { if recordAhead() == nil { return nil } }
        return recordAhead()
    }

    /// How far past the record read last its lines are asked for (`prefetchFile`): about five
    /// records of a media capture, a few thousand cycles of reading.
    static let filePrefetchDistance = 1024

    /// Asks for the file's four lines `filePrefetchDistance` bytes past `at`, so that the record
    /// read a few packets later finds them present, not in memory: the capture is far larger
    /// than the caches, and the hardware's own prefetch does not keep up (`Benchmarks/README.md`,
    /// h-miss). A prefetch never faults, past the mapping's end too.
    @inline(__always)
    private func prefetchFile(past at: Int) {
        let far = base + (at &+ Self.filePrefetchDistance)
        edgeflow_prefetch(far)
        edgeflow_prefetch(far + 64)
        edgeflow_prefetch(far + 128)
        edgeflow_prefetch(far + 192)
    }

    /// The record at `aheadAt`, moving past it, when its lengths are within the file and the
    /// snapshot length: up to `aheadSafe` only the captured length is checked.
    @inline(__always)
    private mutating func recordAhead() -> UnsafeRawBufferPointer? {
        let at = aheadAt
        guard at <= aheadSafe else { return recordAheadNearEnd() }
        let caplen = Int((base + at).loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard caplen <= pcapSnaplen else { return nil }
        aheadAt = at &+ 16 &+ caplen
        prefetchFile(past: at)
        return UnsafeRawBufferPointer(start: base + (at &+ 16), count: caplen)
    }

    /// `recordAhead` past `aheadSafe` (the file's last snapshot length of records), every
    /// length checked against the file's end.
    @inline(never)
    private mutating func recordAheadNearEnd() -> UnsafeRawBufferPointer? {
        let at = aheadAt
        guard size &- at >= 16 else { return nil }
        let caplen = Int((base + at).loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let dataStart = at &+ 16
        guard caplen <= pcapSnaplen, size &- dataStart >= caplen else { return nil }
        aheadAt = dataStart &+ caplen
        return UnsafeRawBufferPointer(start: base + dataStart, count: caplen)
    }

    /// Lets the file drop the pages behind `offset` (`MappedFile.release(before:)`).
    private mutating func releasePages() {
        file.release(before: offset)
        releaseAt = file.nextRelease
    }

    /// The next packet of any record, with every check and issue.
    private mutating func nextRecord() -> Packet? {
        if finished { return nil }
        prefetchFile(past: offset)
        if offset >= releaseAt { releasePages() }
        switch format {
        case .pcap(let nanos, let linkType, let snaplen, let maybeSwapped):
            return nextPcap(nanos: nanos, linkType: linkType, snaplen: snaplen, lengthsMaybeSwapped: maybeSwapped)
        case .pcapng:
            return nextPcapng()
        }
    }

    private mutating func stop(_ kind: CaptureIssue.Kind, _ detail: String, at: Int) -> Packet? {
        issues.append(CaptureIssue(kind: kind, file: name, packet: number + 1, offset: at, detail: detail, fatal: true))
        finished = true
        plainPcap = false
        return nil
    }

    // MARK: classic pcap

    private mutating func nextPcap(nanos: Bool, linkType: LinkType, snaplen: Int, lengthsMaybeSwapped: Bool) -> Packet? {
        let remaining = size &- offset
        if remaining == 0 { finished = true; return nil }
        guard remaining >= 16 else {
            return stop(.truncatedRecordHeader,
                        "record header cut short (\(remaining) of 16 bytes); the file ends mid-record, packets before it were read",
                        at: offset)
        }
        let sec = Int64(u32(offset))
        let frac = Int64(u32(offset &+ 4))
        var caplen = Int(u32(offset &+ 8))
        var origlen = Int(u32(offset &+ 12))
        if lengthsMaybeSwapped && caplen > origlen { swap(&caplen, &origlen) }
        if caplen > maximumCapturedLength {
            return stop(.caplenTooLarge,
                        "captured length \(caplen) exceeds \(maximumCapturedLength); the record header is damaged, reading stops here",
                        at: offset)
        }
        let dataStart = offset &+ 16
        guard size &- dataStart >= caplen else {
            return stop(.truncatedPacket,
                        "packet data cut short (\(size - dataStart) of \(TableReportWriter.counted(caplen, "byte"))); the file ends mid-packet",
                        at: offset)
        }
        let recordOffset = offset
        offset = dataStart &+ caplen
        number &+= 1
        if caplen > snaplen {
            issues.noteRepeated(CaptureIssue(kind: .caplenAboveSnaplen, file: name, packet: number, offset: recordOffset,
                                             detail: "captured length \(caplen) above the file's snapshot length \(snaplen); packet cut to \(snaplen) bytes",
                                             fatal: false))
            caplen = snaplen
        }
        let ts = sec &* 1_000_000_000 &+ (nanos ? frac : frac &* 1000)
        return Packet(timestamp: ts, linkType: linkType, interface: 0, originalLength: max(origlen, caplen),
                      start: base + dataStart, capturedLength: caplen, number: number, fileOffset: recordOffset)
    }

    // MARK: pcapng

    private mutating func nextPcapng() -> Packet? {
        while true {
            let remaining = size &- offset
            if remaining == 0 { finished = true; return nil }
            guard remaining >= 12 else {
                return stop(.truncatedBlock, "block header cut short (\(TableReportWriter.counted(remaining, "byte")) left); the file ends mid-block", at: offset)
            }
            let rawType = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            if rawType == 0x0A0D_0D0A {
                guard readSectionHeader() else { return nil }
                continue
            }
            let type = swapped ? rawType.byteSwapped : rawType
            let length = Int(u32(offset &+ 4))
            guard length >= 12, length % 4 == 0 else {
                return stop(.badBlockLength, "block length \(length) is invalid (must be at least 12 and a multiple of 4)", at: offset)
            }
            guard length <= remaining else {
                return stop(.truncatedBlock, "block of \(length) bytes but only \(remaining) left; the file ends mid-block", at: offset)
            }
            let block = offset
            offset = block &+ length
            switch type {
            case 1:
                guard length >= 20 else {
                    return stop(.badBlockLength, "interface description block of \(length) bytes is too short", at: block)
                }
                readInterface(block: block, length: length)
            case 6, 2:
                if let packet = enhancedPacket(block: block, length: length, obsolete: type == 2) { return packet }
                if finished { return nil }
            case 3:
                if let packet = simplePacket(block: block, length: length) { return packet }
                if finished { return nil }
            default:
                continue
            }
        }
    }

    /// Reads a section header block at `offset`; sets the byte order and forgets earlier interfaces.
    private mutating func readSectionHeader() -> Bool {
        let at = offset
        guard size &- at >= 28 else {
            _ = stop(.badSectionHeader, "section header block cut short", at: at)
            return false
        }
        let bom = base.loadUnaligned(fromByteOffset: at &+ 8, as: UInt32.self)
        switch bom {
        case 0x1A2B_3C4D: swapped = false
        case 0x4D3C_2B1A: swapped = true
        default:
            _ = stop(.badSectionHeader, "section header has an unknown byte-order magic 0x\(String(bom, radix: 16))", at: at)
            return false
        }
        let length = Int(u32(at &+ 4))
        guard length >= 28, length % 4 == 0, length <= size &- at else {
            _ = stop(.badBlockLength, "section header block length \(length) is invalid", at: at)
            return false
        }
        let major = u16(at &+ 12)
        guard major == 1 else {
            _ = stop(.badSectionHeader, "pcapng major version \(major) is not supported (expected 1)", at: at)
            return false
        }
        interfaces.removeAll(keepingCapacity: true)
        offset = at &+ length
        return true
    }

    private mutating func readInterface(block: Int, length: Int) {
        let link = LinkType(rawValue: UInt32(u16(block &+ 8)))
        let snap = effectiveSnaplen(u32(block &+ 12))
        var scale = TimestampScale(decimalExponent: 6)
        var tsOffset: Int64 = 0
        var opt = block &+ 16
        let end = block &+ length &- 4
        while end &- opt >= 4 {
            let code = u16(opt), len = Int(u16(opt &+ 2))
            let value = opt &+ 4
            guard code != 0, end &- value >= len else { break }
            if code == 9, len >= 1 {
                let r = base.load(fromByteOffset: value, as: UInt8.self)
                scale = r & 0x80 != 0 ? TimestampScale(binaryExponent: Int(r & 0x7F)) : TimestampScale(decimalExponent: Int(r))
            } else if code == 14, len >= 8 {
                // if_tsoffset is a signed 64-bit count of seconds in the section's byte order.
                let v = base.loadUnaligned(fromByteOffset: value, as: UInt64.self)
                tsOffset = Int64(bitPattern: swapped ? v.byteSwapped : v)
            }
            opt = value &+ (len &+ 3) & ~3
        }
        interfaces.append(Interface(linkType: link, snaplen: snap, scale: scale, offsetSeconds: tsOffset))
        declaredLinkTypes.append(link)
    }

    private mutating func enhancedPacket(block: Int, length: Int, obsolete: Bool) -> Packet? {
        guard length >= 32 else {
            _ = stop(.badBlockLength, "packet block of \(length) bytes is too short", at: block)
            return nil
        }
        let ifid = obsolete ? Int(u16(block &+ 8)) : Int(u32(block &+ 8))
        guard ifid < interfaces.count else {
            let kind: CaptureIssue.Kind = interfaces.isEmpty ? .packetBeforeInterface : .unknownInterface
            _ = stop(kind, "packet on interface \(ifid) but only \(interfaces.count) interface description(s) precede it; the file is damaged", at: block)
            return nil
        }
        let iface = interfaces[ifid]
        let raw = UInt64(u32(block &+ 12)) << 32 | UInt64(u32(block &+ 16))
        var caplen = Int(u32(block &+ 20))
        let origlen = Int(u32(block &+ 24))
        guard caplen <= length &- 32 else {
            _ = stop(.badBlockLength, "captured length \(caplen) does not fit in its \(length)-byte block", at: block)
            return nil
        }
        number &+= 1
        if caplen > iface.snaplen {
            issues.noteRepeated(CaptureIssue(kind: .caplenAboveSnaplen, file: name, packet: number, offset: block,
                                             detail: "captured length \(caplen) above the interface's snapshot length \(iface.snaplen); packet cut to \(iface.snaplen) bytes",
                                             fatal: false))
            caplen = iface.snaplen
        }
        guard let ns = iface.scale.nanoseconds(raw), let ts = Packet.timestamp(seconds: iface.offsetSeconds, nanoseconds: ns) else {
            issues.noteRepeated(CaptureIssue(kind: .timestampOutOfRange, file: name, packet: number, offset: block,
                                             detail: "timestamp 0x\(String(raw, radix: 16)) of interface \(ifid) (offset \(iface.offsetSeconds) s) falls before 1970 or after 2262; packet skipped (a damaged block, or a wrong if_tsresol / if_tsoffset)",
                                             fatal: false))
            return nil
        }
        return Packet(timestamp: ts, linkType: iface.linkType, interface: UInt32(ifid), originalLength: max(origlen, caplen),
                      bytes: UnsafeRawBufferPointer(start: base + block + 28, count: caplen),
                      number: number, fileOffset: block)
    }

    private mutating func simplePacket(block: Int, length: Int) -> Packet? {
        guard length >= 16 else {
            _ = stop(.badBlockLength, "simple packet block of \(length) bytes is too short", at: block)
            return nil
        }
        guard let iface = interfaces.first else {
            _ = stop(.packetBeforeInterface, "simple packet block before any interface description; the file is damaged", at: block)
            return nil
        }
        let origlen = Int(u32(block &+ 8))
        let caplen = min(origlen, length &- 16, iface.snaplen)
        number &+= 1
        return Packet(timestamp: 0, linkType: iface.linkType, interface: 0, originalLength: max(origlen, caplen),
                      bytes: UnsafeRawBufferPointer(start: base + block + 12, count: caplen),
                      number: number, fileOffset: block)
    }
}

/// Converts pcapng timestamp units (10^-n or 2^-n seconds) to nanoseconds without
/// dividing per packet in the common cases.
struct TimestampScale {
    private var multiplier: UInt64 = 1
    private var divisor: UInt64 = 1
    private var unitsPerSecond: UInt64 = 0

    init(decimalExponent n: Int) {
        if n <= 9 {
            multiplier = pow10(9 - n)
        } else if n <= 19 {
            divisor = pow10(n - 9)
        } else {
            divisor = UInt64.max
        }
    }

    init(binaryExponent n: Int) {
        if n == 0 { multiplier = 1_000_000_000 } else if n < 64 { unitsPerSecond = 1 << UInt64(n) } else { divisor = UInt64.max }
    }

    /// `raw` units in nanoseconds, nil when more than Int64.max (past 2262).
    @inline(__always)
    func nanoseconds(_ raw: UInt64) -> Int64? {
        var ns = raw / divisor
        var overflow = false
        if unitsPerSecond != 0 {
            let secs = raw / unitsPerSecond, frac = raw % unitsPerSecond
            let (hi, lo) = frac.multipliedFullWidth(by: 1_000_000_000)
            let fracNs = unitsPerSecond.dividingFullWidth((hi, lo)).quotient
            let (whole, o1) = secs.multipliedReportingOverflow(by: 1_000_000_000)
            let (sum, o2) = whole.addingReportingOverflow(fracNs)
            (ns, overflow) = (sum, o1 || o2)
        } else if divisor == 1 {
            (ns, overflow) = raw.multipliedReportingOverflow(by: multiplier)
        }
        return overflow || ns > UInt64(Int64.max) ? nil : Int64(ns)
    }
}

private func pow10(_ n: Int) -> UInt64 {
    var v: UInt64 = 1
    for _ in 0..<n { v &*= 10 }
    return v
}
