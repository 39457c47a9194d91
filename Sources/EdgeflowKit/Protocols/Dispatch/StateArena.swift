/// The pools one flow table's protocol states are made in (`StatePool`), one per kind of state.
/// Held by its `InspectionSlab`; each frozen state holds its own pool, whose memory stays until
/// the last of them goes. The owner trims them at its flow table's sweeps (`trim`).
final class StateArena {
    /// On cache lines: `RTPFlowStats` and `STUNFlowStats` are laid out by line.
    let stun = StatePool<STUNFlowStats>(alignment: 64, kind: "STUN/TURN states")
    let rtp = StatePool<RTPFlowStats>(alignment: 64, kind: "RTP/RTCP states")
    let dtls = StatePool<DTLSFlowState>(kind: "DTLS states")
    let sip = StatePool<SIPCounts>(kind: "SIP states")
    let tls = StatePool<TLSStreamState>(kind: "TLS states")
    let stunLog = StatePool<STUNTransactionLog>(kind: "stun.log transaction states")
    let dnsLog = StatePool<DNSTransactionLog>(kind: "dns.log transaction states")
    /// The TCP streams' first reassembly buffers (`StreamReassembler`), given back when a stream
    /// stops, grows or ends; never frozen.
    let streams = StatePool<ReassemblyBlock>(alignment: 64, kind: "TCP reassembly buffers",
                                              advice: "Lower --reassembly-memory (or --max-inspected-flows)")

    /// Gives each pool's wholly free chunks back to the system where it holds far more than it
    /// uses (`StatePool.trim`); on the owner's thread. Returns the bytes unmapped.
    @discardableResult
    func trim() -> Int {
        stun.trim() + rtp.trim() + dtls.trim() + sip.trim() + tls.trim() + stunLog.trim() + dnsLog.trim() + streams.trim()
    }
}
