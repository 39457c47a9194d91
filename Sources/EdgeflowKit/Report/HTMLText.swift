/// Text for an HTML page built from hostile input: every string from a capture goes through
/// `escaped` before it reaches the page, in element content and in quoted attribute values alike.
enum HTMLText {
    /// `s` with `&`, `<`, `>`, `"` and `'` as character references, and control characters
    /// other than tab, line feed and carriage return (which HTML forbids) as U+FFFD.
    static func escaped(_ s: String) -> String {
        var plain = true
        for b in s.utf8 where b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F {
            plain = false
            break
        }
        if plain { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(ch)
            default: out.unicodeScalars.append(ch.value < 0x20 || ch.value == 0x7F ? "\u{FFFD}" : ch)
            }
        }
        return out
    }

    /// A table cell with `text` escaped; `sort` (a number) is what the page's script sorts by.
    static func cell(_ text: String, sort: Double? = nil, classes: String? = nil) -> String {
        var open = "<td"
        if let classes { open += " class=\"\(classes)\"" }
        if let sort, sort.isFinite { open += " data-v=\"\(JSONWriter.format(sort, decimals: 6))\"" }
        return open + ">" + escaped(text) + "</td>"
    }

    /// A table cell for a count, sorted by its value.
    static func cell(_ n: Int) -> String { "<td class=\"n\" data-v=\"\(n)\">\(TableReportWriter.count(n))</td>" }
}
