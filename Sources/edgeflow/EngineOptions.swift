import ArgumentParser
import EdgeflowKit

/// The defaults the limits show and fall back to.
private let flowDefaults = FlowSettings()

/// Flow-table and inspection limits, shared by `analyze` and `live`; defaults are
/// `FlowSettings`'. Numbers parse unconditionally, so that `--udp-timeout -5` is refused for
/// its value, not as a flag.
struct EngineOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seconds after which an idle UDP flow ends (default \(flowDefaults.udpTimeout / 1_000_000_000)).")
    var udpTimeout: Double?

    @Option(parsing: .unconditional, help: "Seconds after which an idle TCP connection ends; a SYN after such a pause starts a new flow (default \(flowDefaults.tcpTimeout / 1_000_000_000)).")
    var tcpTimeout: Double?

    @Option(parsing: .unconditional, help: "Most live flows held; the idlest are evicted (and counted) beyond it (default \(flowDefaults.maxFlows), about 0.8 GB).")
    var maxFlows: Int?

    @Option(parsing: .unconditional, help: "Bytes reassembled per TCP direction for TLS handshakes and STUN over TCP.")
    var reassemblyBudget = flowDefaults.reassemblyBudget

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Memory all TCP reassembly and DTLS handshake buffers together may use (K, M, G, T suffixes; 4K to 1T); streams and messages past it stop and are counted.",
                               valueName: "SIZE"))
    var reassemblyMemory = ByteSize(bytes: flowDefaults.reassemblyMemory)

    @Option(parsing: .unconditional, help: "Most flows whose STUN/TURN, RTP, TLS and SIP are followed at once; more are only counted.")
    var maxInspectedFlows = flowDefaults.maxInspectedFlows

    @Option(help: ArgumentHelp("RTP clock rates of dynamic payload types for jitter, e.g. 96=48000,104=16000; `lync` takes the payload types Lync / Skype for Business clients offer (RTAudio, SILK, Siren, RED...), e.g. lync,111=48000.", valueName: "PT=HZ,..."))
    var rtpClock: String?

    @Option(help: ArgumentHelp("Width of each RTP stream's time slices in the report (default 10). A stream keeps at most 64: when full, adjacent pairs merge and the width doubles.", valueName: "SECONDS"))
    var slice: Double?

    func validate() throws {
        do {
            var flow = FlowSettings()
            try apply(to: &flow, config: ConfigFile())
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Applies flags, else the settings file, else the defaults; both go through the same checks.
    /// - Throws: the flag, or the file and line, with the value and what it must be.
    func apply(to flow: inout FlowSettings, config: ConfigFile) throws(EdgeflowError) {
        let seconds = "must be a number of seconds above 0 and below 1000000000"
        let udp = try config.pick(udpTimeout, "--udp-timeout", "udp_timeout", \.udpTimeout, seconds) { $0 > 0 && $0 < 1e9 }
        let tcp = try config.pick(tcpTimeout, "--tcp-timeout", "tcp_timeout", \.tcpTimeout, seconds) { $0 > 0 && $0 < 1e9 }
        if let udp { flow.udpTimeout = Int64(udp * 1e9) }
        if let tcp { flow.tcpTimeout = Int64(tcp * 1e9) }
        if let maxFlows = try config.pick(maxFlows, "--max-flows", "max_flows", \.maxFlows, "must be from 16 to 1073741824", { $0 >= 16 && $0 <= 1 << 30 }) { flow.maxFlows = maxFlows }
        guard reassemblyBudget >= 1024, reassemblyBudget <= 1 << 30 else {
            throw EdgeflowError("--reassembly-budget must be from 1024 bytes to 1073741824 (1G), not \(reassemblyBudget)")
        }
        guard reassemblyMemory.bytes >= 4096, reassemblyMemory.bytes <= 1 << 40 else {
            throw EdgeflowError("--reassembly-memory must be from 4K (a stream's first buffer) to 1T, not \(reassemblyMemory.bytes) bytes")
        }
        guard maxInspectedFlows >= 1, maxInspectedFlows <= 1 << 22 else {
            throw EdgeflowError("--max-inspected-flows must be from 1 to 4194304 (their slots, about 0.4 KB each, are allocated at start), not \(maxInspectedFlows)")
        }
        flow.reassemblyBudget = reassemblyBudget
        flow.reassemblyMemory = reassemblyMemory.bytes
        flow.maxInspectedFlows = maxInspectedFlows
        if let slice {
            guard slice >= 0.001, slice <= 1e6 else {
                throw EdgeflowError("--slice takes seconds from 0.001 to 1000000 (a slice's width), not \(slice)")
            }
            flow.rtpSliceWidth = Int64((slice * 1e9).rounded())
        }
        if let rtpClock {
            for item in rtpClock.split(separator: ",") {
                if item.trimmingCharacters(in: .whitespaces) == "lync" {
                    flow.rtpLyncPayloadTypes = true
                    continue
                }
                let parts = item.split(separator: "=")
                guard parts.count == 2, let pt = UInt8(parts[0].trimmingCharacters(in: .whitespaces)), (96...127).contains(pt),
                      let hz = UInt32(parts[1].trimmingCharacters(in: .whitespaces)), hz > 0 else {
                    throw EdgeflowError("--rtp-clock takes PT=HZ pairs of dynamic payload types (96-127; static types 0-95 keep RFC 3551's clocks) or `lync`, e.g. 96=48000 or lync,111=48000; not \"\(item)\"")
                }
                flow.rtpClockRates[pt] = hz
            }
        }
    }
}

/// Where flows go besides the report, shared by `analyze` and `live`.
struct ExportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve Prometheus metrics at http://ADDR:PORT/metrics (analyze keeps serving after the report until interrupted).",
                               valueName: "ADDR:PORT"))
    var metricsListen: String?

    @Option(help: ArgumentHelp("Export ended flows as IPFIX (RFC 7011, biflows per RFC 5103) over UDP to a collector.", valueName: "HOST:PORT"))
    var ipfix: String?

    /// Refuses an ADDR:PORT or HOST:PORT that is not one, with the usage as for other flags
    /// (resolving and binding are tried when the run starts).
    func validate() throws {
        if let metricsListen, splitHostPort(metricsListen) == nil, !(metricsListen.hasPrefix(":") && UInt16(metricsListen.dropFirst()) != nil) {
            throw ValidationError("--metrics-listen \(metricsListen): give ADDR:PORT, e.g. 127.0.0.1:9478 or [::]:9478")
        }
        if let ipfix, splitHostPort(ipfix) == nil {
            throw ValidationError("--ipfix \(ipfix): give HOST:PORT, e.g. 127.0.0.1:4739 or [2001:db8::1]:4739")
        }
    }

    /// The exporters asked for, and the metrics server (kept alive by the caller).
    func make() throws -> (writers: [any ReportWriter], server: MetricsServer?) {
        var writers: [any ReportWriter] = []
        var server: MetricsServer? = nil
        if let metricsListen {
            let metrics = MetricsExporter()
            let registry = metrics.registry
            server = try MetricsServer(listen: metricsListen) { MetricsExporter.withHelp(registry.emitToBuffer()) }
            writers.append(metrics)
        }
        if let ipfix { writers.append(try IPFIXExporter(target: ipfix)) }
        return (writers, server)
    }

    /// Says so when IPFIX datagrams could not be sent.
    static func reportSendErrors(_ writers: [any ReportWriter]) {
        for message in sendErrors(writers) { printError("edgeflow: warning: \(message)") }
    }

    /// What could not be sent, one message per exporter.
    static func sendErrors(_ writers: [any ReportWriter]) -> [String] {
        writers.compactMap { w in
            guard let e = w as? IPFIXExporter, e.sendErrors > 0 else { return nil }
            return "--ipfix: \(e.sendErrors) datagram\(e.sendErrors == 1 ? "" : "s") could not be sent (is the collector listening?)"
        }
    }
}
