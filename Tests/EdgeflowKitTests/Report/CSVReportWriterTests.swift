import Testing
@testable import EdgeflowKit

@Suite("CSV form")
struct CSVReportWriterTests {
    /// RFC 4180 section 2: fields holding commas or double quotes are enclosed in double quotes,
    /// and a double quote inside is doubled (its examples 6 and 7); others are written as they
    /// are. Control characters, line breaks included, are written as the terminal forms write
    /// them (`TerminalText`), so that a field from a capture cannot start a row of its own.
    @Test("fields are quoted as RFC 4180 says; control characters are escaped as on a terminal")
    func quoting() {
        let cases: [(String, String)] = [
            ("aaa", "aaa"), ("", ""), ("b,bb", "\"b,bb\""), ("b\"bb", "\"b\"\"bb\""),
            ("b\r\nbb", #"b\x0d\x0abb"#), ("line\nbreak", #"line\x0abreak"#), ("cr\r", #"cr\x0d"#),
            ("über ✓", "über ✓"), ("\"", "\"\"\"\""),
            ("\u{1B}]0;owned\u{07}", #"\x1b]0;owned\x07"#), ("del\u{7F},", #""del\x7f,""#),
            ("c1\u{9B}2J", #"c1\u{9b}2J"#), ("Â½ \u{C2}", "Â½ Â"),
            (String(repeating: "\u{01}", count: 5), String(repeating: #"\x01"#, count: 5)),
        ]
        for (field, expected) in cases {
            var w = JSONWriter(capacity: 16)
            w.withRoom(JSONCursor.csvRoom(field.utf8.count)) { $0.csvField(field) }
            #expect(String(decoding: w.bytes, as: UTF8.self) == expected, "field \(field.debugDescription)")
        }
        // An absent field (a flow without a rule) is an empty column.
        var w = JSONWriter(capacity: 16)
        w.withRoom(8) { $0.csvField(nil as String?) }
        #expect(w.bytes.isEmpty)
    }
}
