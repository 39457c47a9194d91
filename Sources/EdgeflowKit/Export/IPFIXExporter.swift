#if canImport(Glibc)
import Glibc
#endif

/// Sends ended flows to an IPFIX collector over UDP (`--ipfix HOST:PORT`). Templates go
/// first and again every `templateInterval` seconds (RFC 7011 §8.4: UDP has no session, so
/// a collector that starts late learns them); records are batched into messages below the
/// MTU and flushed at least every interval.
public final class IPFIXExporter: ReportWriter {
    private var encoder: IPFIXEncoder
    private let sender: UDPSender
    private let templateInterval: UInt32
    private var templatesSentAt: UInt32? = nil
    /// Datagrams the kernel would not send (no collector listening, buffer full).
    public var sendErrors: Int { sender.errors }

    public init(target: String, observationDomain: UInt32 = 1, templateInterval: UInt32 = 60) throws(EdgeflowError) {
        sender = try UDPSender(target, option: "--ipfix")
        encoder = IPFIXEncoder(observationDomain: observationDomain)
        self.templateInterval = templateInterval
    }

    private var now: UInt32 { UInt32(truncatingIfNeeded: time(nil)) }

    private func send(_ m: [UInt8]) { sender.send(m) }

    private func templatesIfDue(_ t: UInt32) {
        if let last = templatesSentAt, t &- last < templateInterval { return }
        send(encoder.templateMessage(exportTime: t))
        templatesSentAt = t
    }

    public func flow(_ flow: FlowSummary) {
        let t = now
        templatesIfDue(t)
        if let m = encoder.add(flow, exportTime: t) { send(m) }
    }

    public func interval(_ status: LiveStatus) {
        let t = now
        templatesIfDue(t)
        if let m = encoder.flush(exportTime: t) { send(m) }
    }

    public func finish(_ report: FinalReport) {
        let t = now
        templatesIfDue(t)
        if let m = encoder.flush(exportTime: t) { send(m) }
    }
}
