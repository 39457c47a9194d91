extension DNSBook {
    /// Records the DNS messages (each behind its 2-byte length, RFC 1035 §4.2.2) in one
    /// direction's contiguous TCP bytes; returns the bytes used.
    func consumeStream(_ bytes: UnsafeRawBufferPointer) -> Int {
        var off = 0
        while off < bytes.count, let length = DNSMessage.tcpFrameLength(UnsafeRawBufferPointer(rebasing: bytes[off...])) {
            record(UnsafeRawBufferPointer(rebasing: bytes[(off + 2)..<(off + length)]))
            off += length
        }
        return off
    }
}
