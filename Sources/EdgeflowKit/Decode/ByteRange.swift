/// A run of bytes inside the buffer a decoder was given: an offset from that buffer's first
/// byte and a length. Decoders hand these out instead of copies; the caller slices the same
/// buffer again when (and only when) it needs the bytes.
public struct ByteRange: Sendable, BitwiseCopyable, Equatable {
    public var offset: UInt32
    public var length: UInt32

    public init(offset: Int, length: Int) {
        self.offset = UInt32(truncatingIfNeeded: offset)
        self.length = UInt32(truncatingIfNeeded: length)
    }

    /// One past the last byte.
    public var end: Int { Int(offset) &+ Int(length) }

    /// The bytes of this range in `buffer` (the buffer the decoder was given).
    /// Returns an empty view if the range does not fit, so it never traps.
    public func slice(of buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard end <= buffer.count else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: buffer[Int(offset)..<end])
    }
}
