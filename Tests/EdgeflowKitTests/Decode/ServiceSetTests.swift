import Foundation
import Testing
@testable import EdgeflowKit

@Suite("Service sets: members and main service")
struct ServiceSetTests {
    /// The service names in backquotes of the README's flow-table row for `field`, in the
    /// README's order, each at its first mention (`unknown` left out): for `service` the main
    /// service's precedence, for `services` the list's order. Read from the user's guide, so
    /// that it and the code agree.
    static func readmeOrder(_ field: String) throws -> [String] {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let row = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| `\(field)` | ") }, "no `\(field)` row in README.md")
        let names = Set(Service.allCases.map(\.name))
        var order: [String] = []
        for (i, part) in row.split(separator: "`", omittingEmptySubsequences: false).enumerated()
        where i % 2 == 1 && names.contains(String(part)) && part != "unknown" && !order.contains(String(part)) {
            order.append(String(part))
        }
        return order
    }

    @Test("every set of bits, those of no service too: members in the README's order, the main one by its precedence")
    func everySet() throws {
        let listed = try Self.readmeOrder("services"), precedence = try Self.readmeOrder("service")
        // Every service but `unknown`, once each, in both rows (required: the orders below need them all).
        try #require(listed.count == Service.allCases.count - 1 && Set(listed).count == listed.count, "\(listed)")
        try #require(Set(precedence) == Set(listed) && precedence.count == listed.count, "\(precedence)")
        for bits in 0..<(1 << 12) {
            var set = ServiceSet()
            set.bits = UInt16(bits)
            let expected = Service.allCases.dropFirst().filter { bits & (1 << Int($0.rawValue)) != 0 }.map(\.name)
                .sorted { listed.firstIndex(of: $0)! < listed.firstIndex(of: $1)! }
            var visited: [String] = []
            set.forEach { visited.append($0.name) }
            #expect(visited == expected, "bits \(bits)")
            #expect(set.members.map(\.name) == expected)
            #expect(set.main.name == (precedence.first(where: expected.contains) ?? "unknown"), "bits \(bits)")
        }
    }
}
