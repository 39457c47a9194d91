/// Text from a capture (names in DNS answers, SNI, certificate subjects, SIP URIs, file
/// names) made safe for a terminal or a log line: every control character (C0, DEL and C1)
/// is written as a visible escape, so that no capture can move the cursor, retitle the
/// window, ring the bell or start a line of its own. Every human-text writer passes capture
/// text through `escaped` once, as it writes it.
public enum TerminalText {
    /// `text` with each C0 control (newline and tab included) and DEL as `\xHH`, and each C1
    /// control (U+0080 to U+009F, which some terminals obey as ESC sequences) as `\u{HH}`;
    /// everything else as it is. Returns `text` itself when it holds none.
    public static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            switch s.value {
            case 0..<0x20, 0x7F: out += "\\x" + hex(s.value)
            case 0x80...0x9F: out += "\\u{" + hex(s.value) + "}"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}
