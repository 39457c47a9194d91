extension DNSBook {
    /// Records the DNS messages (each behind its 2-byte length, RFC 1035 §4.2.2) in one
    /// direction's contiguous TCP bytes, and in `log` when Zeek logs are written; returns the bytes used.
    func consumeStream(_ bytes: UnsafeRawBufferPointer, log: HeapValue<DNSTransactionLog>?, timestamp: Int64) -> Int {
        var off = 0
        while off < bytes.count, let length = DNSMessage.tcpFrameLength(UnsafeRawBufferPointer(rebasing: bytes[off...])) {
            let message = UnsafeRawBufferPointer(rebasing: bytes[(off + 2)..<(off + length)])
            record(message)
            log?.value.record(message, timestamp: timestamp)
            off += length
        }
        return off
    }
}
