import Foundation
import Testing
@testable import EdgeflowKit

/// Numbers and names the user's guide states that the code decides.
@Suite("README's counts")
struct ReadmeCountTests {
    @Test("the metrics table's edgeflow_findings row names as many finding codes as FindingCode has")
    func findingCodes() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let match = try #require(readme.firstMatch(of: try Regex(#"one per finding code \((\d+) today\)"#)))
        let stated = try #require(match.output[1].substring.flatMap { Int($0) })
        #expect(stated == FindingCode.allCases.count)
    }

    /// The flags tables cannot fall behind the binary: every long option the built `edgeflow`
    /// prints in `analyze --help` has a row in the table of "Command line", and every one only
    /// `live --help` prints, a row in the table of "Live capture and exports" (the options both
    /// take are `analyze`'s rows, which `live`'s "as for `analyze`" row refers to).
    @Test("every long option of analyze --help and live --help is named in the first cell of a row of the README's flags tables")
    func flagsTables() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        var options: [String: Set<String>] = [:]
        for command in ["analyze", "live"] {
            let help = try CommandLineTests.run([command, "--help"])
            #expect(help.status == 0, "\(help.stderr)")
            options[command] = Self.longOptions(help.stdout).subtracting(["--help", "--version"])
        }
        let analyze = options["analyze", default: []], liveOnly = options["live", default: []].subtracting(analyze)
        #expect(analyze.count >= 20 && liveOnly.count >= 8, "\(analyze.sorted()) \(liveOnly.sorted())")
        for (command, section, expected) in [("analyze", "## Command line", analyze), ("live", "## Live capture and exports", liveOnly)] {
            let rows = try Self.firstCells(readme, section: section)
            for option in expected.sorted() {
                #expect(rows.contains { Self.names($0, option) }, "`edgeflow \(command) \(option)` has no row in the flags table of README.md's \"\(section)\"")
            }
        }
    }

    /// The first cell of each row of the tables in a `## ` section (header and rule rows left out).
    static func firstCells(_ readme: String, section heading: String) throws -> [String] {
        let start = try #require(readme.range(of: "\n" + heading + "\n"))
        let end = readme.range(of: "\n## ", range: start.upperBound..<readme.endIndex)?.lowerBound ?? readme.endIndex
        return readme[start.upperBound..<end].split(separator: "\n")
            .filter { $0.hasPrefix("| `") }
            .map { String($0.replacingOccurrences(of: "\\|", with: "/").split(separator: "|")[0]) }
    }

    /// The long options of a `--help` text: the names that open its option lines ("  --name <VALUE>
    /// help" or "  -o, --name ..."), not the options its help sentences mention.
    static func longOptions(_ help: String) -> Set<String> {
        var options = Set<String>()
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            for word in line.split(separator: " ") {
                guard word.hasPrefix("-") || word.hasPrefix("<") else { break }
                let name = word.hasSuffix(",") ? word.dropLast() : word
                if name.hasPrefix("--") { options.insert(String(name)) }
            }
        }
        return options
    }

    /// Whether `cell` names `option` whole (`--access-edge` is not named by `--access-edge-name`).
    static func names(_ cell: String, _ option: String) -> Bool {
        func partOfName(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "-" } ?? false }
        var rest = cell[...]
        while let r = rest.range(of: option) {
            let before = r.lowerBound == cell.startIndex ? nil : cell[cell.index(before: r.lowerBound)]
            let after = r.upperBound == cell.endIndex ? nil : cell[r.upperBound]
            if !partOfName(before) && !partOfName(after) { return true }
            rest = cell[r.upperBound...]
        }
        return false
    }
}
