/// A size in bytes written with an optional K, M, G or T suffix (powers of 1024, either case,
/// a trailing B allowed), e.g. 256M.
public struct ByteSize: Sendable, Equatable {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    public init?(_ text: String) {
        var rest = Substring(text.uppercased())
        if rest.hasSuffix("B") { rest = rest.dropLast() }
        var shift = 0
        switch rest.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        case "T": shift = 40
        default: break
        }
        if shift > 0 { rest = rest.dropLast() }
        guard let n = Int(rest), n >= 0, n <= Int.max >> shift else { return nil }
        bytes = n << shift
    }

    /// Whether the text carries a unit (a bare number is ambiguous where durations are allowed too).
    static func hasUnit(_ text: String) -> Bool {
        guard let last = text.uppercased().last else { return false }
        return last == "K" || last == "M" || last == "G" || last == "T" || last == "B"
    }
}
