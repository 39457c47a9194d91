/// A set of ports: "any", single ports and ranges ("443, 50000-59999").
public struct PortSet: Sendable, Equatable, CustomStringConvertible {
    public var ranges: [ClosedRange<UInt16>]

    public static let any = PortSet(ranges: [0...UInt16.max])

    public init(ranges: [ClosedRange<UInt16>]) { self.ranges = ranges }
    public init(_ ports: UInt16...) { ranges = ports.map { $0...$0 } }

    public var isAny: Bool { ranges == [0...UInt16.max] }

    public func contains(_ p: UInt16) -> Bool { ranges.contains { $0.contains(p) } }

    public var description: String {
        if isAny { return "any" }
        return ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ", ")
    }
}
