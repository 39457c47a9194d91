extension UnsafeRawBufferPointer {
    /// Big-endian loads. Callers check bounds once per header; these do not.
    @inline(__always) func u8(_ at: Int) -> UInt8 {
        baseAddress.unsafelyUnwrapped.load(fromByteOffset: at, as: UInt8.self)
    }
    @inline(__always) func be16(_ at: Int) -> UInt16 {
        UInt16(bigEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }
    @inline(__always) func be32(_ at: Int) -> UInt32 {
        UInt32(bigEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    @inline(__always) func be64(_ at: Int) -> UInt64 {
        UInt64(bigEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
    @inline(__always) func le32(_ at: Int) -> UInt32 {
        UInt32(littleEndian: baseAddress.unsafelyUnwrapped.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
}
