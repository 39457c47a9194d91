import ArgumentParser
import EdgeflowKit
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// Where `live`'s diagnostics go: standard error, one logfmt or JSON line each (journald keeps
/// them), from the level asked for up.
struct LogOptions: ParsableArguments {
    @Option(help: "Least level of the diagnostics written: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Diagnostics on standard error as logfmt (key=value) or json lines.")
    var logFormat: LogFormat = .logfmt

    /// A logger that writes to standard error.
    func logger() -> Logger {
        Logger(label: "edgeflow") { _ in LogLineHandler(format: logFormat, level: logLevel) }
    }
}
