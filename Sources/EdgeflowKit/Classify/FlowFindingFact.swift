/// A finding about one flow, as facts. Which findings a flow makes, with their codes and
/// severities, is decided in Classify/ and the protocol folders' findings files; the words
/// (`message`, `subject`) are written apart from those decisions, in Report/ or in the words
/// part of a protocol's findings file.
protocol FlowFindingFact {
    var code: FindingCode { get }
    var severity: Finding.Severity { get }
    /// The message, before the endpoints it lists (findings of one code and message are grouped).
    func message(_ ends: FlowEnds) -> String
    /// The endpoint (or pair) the finding names, listed after the message.
    func subject(_ ends: FlowEnds) -> String?
}

extension FlowFindingFact {
    /// The code's severity, for codes whose severity does not depend on the case.
    var severity: Finding.Severity { code.severity() }
}

/// The two ends of a classified flow: what findings about it name.
struct FlowEnds {
    var origRole: Role
    var respRole: Role
    var orig: (address: IPAddress, port: UInt16)
    var resp: (address: IPAddress, port: UInt16)

    /// Inlined, `c` borrowed: taken by value, the classification was copied and destroyed for
    /// each flow accounted.
    @inline(__always)
    init(_ r: borrowing FlowRecord, _ c: borrowing Classification) {
        origRole = c.origRole
        respRole = c.respRole
        orig = r.originator
        resp = r.responder
    }

    /// Either party to an exchange with Office 365.
    var withOffice365: Bool { origRole == .office365 || respRole == .office365 }
}
