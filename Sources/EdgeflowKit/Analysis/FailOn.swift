/// `--fail-on` (or `fail_on` in a settings file): which reports make the run fail (exit status 1).
public enum FailOn: String, CaseIterable, Sendable {
    /// Any flow violating the port tables, or an error finding.
    case violation
    /// As `violation`, or any warning finding.
    case warning

    /// The policy from its flag, else from the settings file, else none.
    /// - Throws: the file and line of a `fail_on` that is neither value.
    public init?(flag: FailOn?, config: ConfigFile) throws(EdgeflowError) {
        if let flag { self = flag; return }
        guard let text = config.failOn else { return nil }
        guard let v = FailOn(rawValue: text) else {
            throw EdgeflowError("\(config.place(of: "fail_on")): fail_on must be violation or warning, not \"\(text)\"")
        }
        self = v
    }

    /// True when `report` fails the run under this policy.
    public func fails(_ report: FinalReport) -> Bool {
        let errors = report.violations > 0 || report.findings.contains { $0.severity == .error }
        return errors || (self == .warning && report.findings.contains { $0.severity == .warning })
    }
}
