import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct Edgeflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeflow",
        abstract: "Analyse Skype for Business / Lync hybrid Edge traffic in packet captures.",
        version: "0.1.0",
        subcommands: [Analyze.self, Live.self, Rules.self, Ranges.self]
    )

    /// As `ParsableCommand.main`, but a wrong option exits with status 2 (the README's exit
    /// statuses) instead of the parser's 64, and a closed pipe is a write error, not SIGPIPE.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(usage: fullMessage(for: error), error)
        }
        do {
            try command.run()
        } catch {
            // A value found wrong while running (a settings file, a combination) gets the subcommand's usage.
            exit(usage: "Error: \(message(for: error))\nUsage: \(usageString(for: type(of: command)))", error)
        }
    }

    private static func exit(usage: String, _ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        printError(usage)
        Glibc.exit(2)
    }
}
