/// Something wrong with a capture file itself (not with a packet's contents).
public struct CaptureIssue: Sendable, Equatable, Error, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case truncatedFileHeader = "truncated_file_header"
        case badMagic = "bad_magic"
        case truncatedRecordHeader = "truncated_record_header"
        case truncatedPacket = "truncated_packet"
        case caplenAboveSnaplen = "caplen_above_snaplen"
        case caplenTooLarge = "caplen_too_large"
        case badBlockLength = "bad_block_length"
        case truncatedBlock = "truncated_block"
        case packetBeforeInterface = "packet_before_interface"
        case unknownInterface = "unknown_interface"
        case badSectionHeader = "bad_section_header"
        case timestampOutOfRange = "timestamp_out_of_range"
        case readError = "read_error"
    }

    public var kind: Kind
    /// The capture file (as given on the command line).
    public var file: String
    /// 1-based number of the record concerned (the next record when it could not be read).
    public var packet: Int
    /// Byte offset in the file, -1 when unknown.
    public var offset: Int
    /// What happened, in words.
    public var detail: String
    /// How many records had this problem (for repeated, non-fatal issues).
    public var count: Int = 1
    /// Whether reading stopped here.
    public var fatal: Bool

    public var description: String {
        let at = offset >= 0 ? ", byte offset \(offset)" : ""
        let times = count > 1 ? " (\(count) records)" : ""
        return "\(file): packet \(packet)\(at): \(detail)\(times)"
    }
}
