/// A share in a memory-mapped capture file, for a sharded run whose workers read packets'
/// bytes in the mapping after the calling thread's reader has passed them: the mapping stays
/// while any lease or reader holds it (the file is unmapped when its last holder lets go).
/// Pages may be dropped behind the reader (`MappedFile.release`) but for those it is told to
/// keep; bytes read after that are read from the file again, never lost.
struct FileLease: @unchecked Sendable {
    // Sendable: other threads only read bytes of the mapping, which never moves after it is
    // made, and drop pages the reader's thread freed (`drop`); only the reader's thread releases
    // pages and moves `keep(from:)`.
    private let file: MappedFile

    init(_ file: MappedFile) { self.file = file }

    /// The file's size in bytes.
    var size: Int { file.size }

    /// How far the reader has read (`MappedFile.readTo`); its thread only.
    var readTo: Int { file.readTo }

    /// Keeps the pages from `offset` on, which a worker still reads (`MappedFile.keep(from:)`);
    /// the reader's thread only.
    func keep(from offset: Int) { file.keep(from: offset) }

    /// Leaves the pages the reader frees to whoever takes them (`MappedFile.dropsElsewhere`); the
    /// reader's thread only, before it reads.
    func dropElsewhere() { file.dropsElsewhere = true }

    /// The pages the reader freed since the last call, to be dropped (`drop`) by another thread;
    /// the reader's thread only.
    func takeDrops() -> Range<Int> { file.takeDrops() }

    /// Hands back the pages `takeDrops` gave; any thread.
    func drop(_ range: Range<Int>) { file.drop(range) }
}
