/// The pools one flow table's protocol states are made in (`StatePool`), one per kind of state.
/// Held by its `InspectionSlab`; each frozen state holds its own pool, whose memory stays until
/// the last of them goes.
final class StateArena {
    let stun = StatePool<STUNFlowStats>()
    /// On cache lines: `RTPFlowStats` is laid out by line.
    let rtp = StatePool<RTPFlowStats>(alignment: 64)
    let dtls = StatePool<DTLSFlowState>()
    let sip = StatePool<SIPCounts>()
    let tls = StatePool<TLSStreamState>()
    let stunLog = StatePool<STUNTransactionLog>()
    let dnsLog = StatePool<DNSTransactionLog>()
}
