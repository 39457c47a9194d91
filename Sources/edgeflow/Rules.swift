import ArgumentParser
import EdgeflowKit

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Print the port tables edgeflow checks and the Office 365 ranges in use."
    )

    /// How the listing is written.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @OptionGroup(title: "Topology")
    var topology: TopologyOptions

    @Option(help: "Listing format: table or json.")
    var format: Format = .table

    func run() throws {
        var options = AnalyzeOptions(paths: [])
        do {
            try topology.apply(to: &options, config: try topology.loadConfig())
            let listing = try RulesListing(options: options)
            print(format == .json ? listing.json : listing.text)
        } catch let error as EdgeflowError {
            printError("edgeflow: error: \(error)")
            throw ExitCode(2)
        }
    }
}

struct Ranges: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranges",
        abstract: "Manage the Office 365 ranges.",
        subcommands: [Update.self]
    )

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Download the current Skype/Teams ranges from Microsoft's endpoints web service into the config directory."
        )

        @Option(help: "Base URL of the endpoints web service.")
        var url = RangesUpdate.defaultBaseURL

        @Option(help: ArgumentHelp("Directory to write into (default: $XDG_CONFIG_HOME/edgeflow or ~/.config/edgeflow).", valueName: "DIR"))
        var dir: String?

        func run() throws {
            do {
                let directory = dir ?? RangesUpdate.defaultDirectory
                let result = try RangesUpdate.run(baseURL: url, directory: directory)
                print("edgeflow: Office 365 endpoints version \(result.version), \(result.prefixes) Skype prefixes, written to \(RangesUpdate.endpointsPath(in: directory))")
            } catch {
                printError("edgeflow: error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
