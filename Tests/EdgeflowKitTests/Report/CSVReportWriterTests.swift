import Testing
@testable import EdgeflowKit

@Suite("CSV form")
struct CSVReportWriterTests {
    /// RFC 4180 section 2: fields holding commas, double quotes or line breaks are enclosed in
    /// double quotes, and a double quote inside is doubled (its examples 6 and 7); others are
    /// written as they are.
    @Test("fields are quoted as RFC 4180 says")
    func quoting() {
        let cases: [(String, String)] = [
            ("aaa", "aaa"), ("", ""), ("b,bb", "\"b,bb\""), ("b\"bb", "\"b\"\"bb\""),
            ("b\r\nbb", "\"b\r\nbb\""), ("line\nbreak", "\"line\nbreak\""), ("cr\r", "\"cr\r\""),
            ("über ✓", "über ✓"), ("\"", "\"\"\"\""),
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
