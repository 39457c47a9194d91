import Foundation
import Testing
@testable import EdgeflowKit

/// Numbers the user's guide states that the code decides.
@Suite("README's counts")
struct ReadmeCountTests {
    @Test("the metrics table's edgeflow_findings row names as many finding codes as FindingCode has")
    func findingCodes() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let match = try #require(readme.firstMatch(of: try Regex(#"one per finding code \((\d+) today\)"#)))
        let stated = try #require(match.output[1].substring.flatMap { Int($0) })
        #expect(stated == FindingCode.allCases.count)
    }
}
