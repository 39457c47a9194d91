import ArgumentParser
import EdgeflowKit

/// Flow-table and inspection limits, shared by `analyze` and `live`.
struct EngineOptions: ParsableArguments {
    @Option(help: "Seconds after which an idle UDP flow ends (default 120).")
    var udpTimeout: Double?

    @Option(help: "Seconds after which an idle TCP connection ends; a SYN after such a pause starts a new flow (default 300).")
    var tcpTimeout: Double?

    @Option(help: "Most live flows held; the idlest are evicted (and counted) beyond it (default 4000000, about 1 GB).")
    var maxFlows: Int?

    @Option(help: "Bytes reassembled per TCP direction for TLS handshakes and STUN over TCP.")
    var reassemblyBudget = 64 * 1024

    @Option(help: ArgumentHelp("Memory all TCP reassembly buffers together may use (K, M, G suffixes); streams past it stop and are counted.",
                               valueName: "SIZE"))
    var reassemblyMemory: ByteSize = ByteSize(bytes: 256 << 20)

    @Option(help: "Most flows whose STUN/TURN, RTP, TLS and SIP are followed at once; more are only counted.")
    var maxInspectedFlows = 262_144

    @Option(help: ArgumentHelp("RTP clock rates of dynamic payload types for jitter, e.g. 96=48000,104=16000.", valueName: "PT=HZ,..."))
    var rtpClock: String?

    func validate() throws {
        if let udpTimeout, udpTimeout <= 0 { throw ValidationError("--udp-timeout must be a positive number of seconds") }
        if let tcpTimeout, tcpTimeout <= 0 { throw ValidationError("--tcp-timeout must be a positive number of seconds") }
        if let maxFlows, maxFlows < 16 { throw ValidationError("--max-flows must be at least 16") }
        guard reassemblyBudget >= 1024 else { throw ValidationError("--reassembly-budget must be at least 1024 bytes") }
        guard maxInspectedFlows >= 0 else { throw ValidationError("--max-inspected-flows must not be negative") }
    }

    func apply(to flow: inout FlowSettings, config: ConfigFile) throws {
        flow.udpTimeout = Int64((udpTimeout ?? config.udpTimeout ?? 120) * 1e9)
        flow.tcpTimeout = Int64((tcpTimeout ?? config.tcpTimeout ?? 300) * 1e9)
        flow.maxFlows = maxFlows ?? config.maxFlows ?? 4_000_000
        flow.reassemblyBudget = reassemblyBudget
        flow.reassemblyMemory = reassemblyMemory.bytes
        flow.maxInspectedFlows = maxInspectedFlows
        if let rtpClock {
            for item in rtpClock.split(separator: ",") {
                let parts = item.split(separator: "=")
                guard parts.count == 2, let pt = UInt8(parts[0].trimmingCharacters(in: .whitespaces)), pt < 128,
                      let hz = UInt32(parts[1].trimmingCharacters(in: .whitespaces)), hz > 0 else {
                    throw ValidationError("--rtp-clock takes PT=HZ pairs (payload type 0-127), e.g. 96=48000; not \"\(item)\"")
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

    @Option(help: ArgumentHelp("Rotate the --out file after a size (100M, 1G) or a time (15m, 1h, 1d); the old file gets a UTC timestamp suffix.",
                               valueName: "SIZE|DURATION"))
    var rotate: String?

    func rotation() throws -> Rotation? {
        guard let rotate else { return nil }
        guard let r = Rotation(rotate) else {
            throw ValidationError("--rotate takes a size (512K, 100M, 1G) or a duration (30s, 15m, 1h, 1d); not \"\(rotate)\"")
        }
        return r
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
        for case let e as IPFIXExporter in writers where e.sendErrors > 0 {
            printError("edgeflow: warning: --ipfix: \(e.sendErrors) datagrams could not be sent (is the collector listening?)")
        }
    }
}
