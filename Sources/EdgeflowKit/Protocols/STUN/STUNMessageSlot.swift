/// Storage for one decoded `STUNMessage`, allocated once (by the dispatcher) and reused for
/// every message: a message (about 750 bytes) is decoded into it, read in place and neither
/// copied nor cleared in full per message.
struct STUNMessageSlot: ~Copyable {
    let message: UnsafeMutablePointer<STUNMessage>

    init() {
        message = .allocate(capacity: 1)
        message.initialize(to: STUNMessage())
    }

    deinit { message.deallocate() }
}
