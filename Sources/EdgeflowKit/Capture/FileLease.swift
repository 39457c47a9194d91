/// A share in a memory-mapped capture file, for a thread that reads the file itself (a flow
/// worker of a sharded run): no pointer crosses threads, each thread makes its own reader on
/// the mapping, which stays while any lease or reader holds it (the file is unmapped when its
/// last holder lets go). Pages may be dropped behind the owner's reader (`MappedFile.release`);
/// bytes read after that are read from the file again, never lost.
struct FileLease: @unchecked Sendable {
    // Sendable: a lease and the readers made from it only read `base`, `size` and `path`,
    // which never change after the mapping is made; only the owner's reader releases pages.
    private let file: MappedFile

    init(_ file: MappedFile) { self.file = file }

    /// The file's size in bytes.
    var size: Int { file.size }

    /// How far the owner's reader has read (`MappedFile.readTo`); its thread only.
    var readTo: Int { file.readTo }

    /// Keeps the pages from `offset` on, which a worker still reads (`MappedFile.keep(from:)`);
    /// the owner's reader's thread only.
    func keep(from offset: Int) { file.keep(from: offset) }

    /// A reader of the whole file for a flow worker (made on the calling thread, then handed
    /// to the worker's), which leaves dropping pages to the owner's reader. It reads the same
    /// mapped bytes as the owner's reader, so it finds the same packets (and throws only where
    /// that reader's `init` threw).
    func reader() throws(CaptureIssue) -> MappedCaptureReader {
        try MappedCaptureReader(file: file.view(), name: file.path)
    }
}
