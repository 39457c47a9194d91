/// A share in a memory-mapped capture file, for a thread that reads packets the reading
/// thread found: it names packets by offset and length, never by address, and the mapping
/// stays while any lease holds it (the file is unmapped when its last holder lets go).
/// Pages may be dropped behind the reader (`MappedFile.release`); bytes read after that are
/// read from the file again, never lost, so a lease is valid for the whole file.
struct FileLease: @unchecked Sendable {
    // Sendable: a lease only reads `base` and `size`, which never change after the mapping is
    // made; the file's release position is moved by the reading thread alone.
    private let file: MappedFile

    init(_ file: MappedFile) { self.file = file }

    /// Where `bytes` lie in the file, or nil when they are not wholly inside its mapping.
    @inline(__always)
    func span(of bytes: UnsafeRawBufferPointer) -> (offset: Int, count: Int)? {
        guard let base = file.base, let start = bytes.baseAddress else { return nil }
        let offset = start - base
        guard offset >= 0, bytes.count <= file.size &- offset else { return nil }
        return (offset, bytes.count)
    }

    /// The bytes at `offset` (checked against the file's size: an empty buffer if outside).
    @inline(__always)
    func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
        guard let base = file.base, offset >= 0, count >= 0, count <= file.size &- offset else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}
