import ArgumentParser

@main
struct Edgeflow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeflow",
        abstract: "Analyse Skype for Business / Lync hybrid Edge traffic in packet captures.",
        version: "0.1.0",
        subcommands: [Analyze.self, Live.self, Rules.self, Ranges.self]
    )
}
