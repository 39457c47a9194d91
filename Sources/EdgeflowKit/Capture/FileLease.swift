/// A share in a memory-mapped capture file, for a sharded run: its size, and readers of it on
/// mappings of their own (`MappedFile.init(again:)`), one per thread that walks the file, each
/// dropping its own pages behind it. The first mapping stays while any lease or reader holds it.
struct FileLease: @unchecked Sendable {
    // Sendable: the mapping never moves after it is made, and a lease only reads its size and
    // maps the file again.
    private let file: MappedFile

    init(_ file: MappedFile) { self.file = file }

    /// The file's size in bytes.
    var size: Int { file.size }

    /// A reader of the file from its start, on a mapping of its own; throws when the system
    /// refuses one (an issue naming the file).
    func reader() throws(CaptureIssue) -> MappedCaptureReader {
        try MappedCaptureReader(file: try MappedFile(again: file), name: file.path)
    }
}
