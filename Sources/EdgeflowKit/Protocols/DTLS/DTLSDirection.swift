/// What one direction of a DTLS flow has sent.
public struct DTLSDirection: Sendable {
    var assembler = DTLSHandshakeAssembler()
    /// Records read (all content types, clear and protected).
    public internal(set) var records = 0
    /// Handshake fragments in clear (epoch 0), repeats included.
    public internal(set) var handshakeFragments = 0
    /// Handshake message types delivered (each message once, however often it was sent).
    public internal(set) var handshakeTypes = TLSHandshakeTypeSet()
    public internal(set) var changeCipherSpec = false
    /// Protected handshake records (epoch above 0: Finished, DTLS 1.2).
    public internal(set) var encryptedHandshakeRecords = 0
    /// Application data records, and DTLS 1.3 / tls12_cid records in the application epoch.
    public internal(set) var applicationDataRecords = 0
    /// Other protected records (DTLS 1.3 handshake epoch, say).
    public internal(set) var otherProtectedRecords = 0
    /// First alert in clear.
    public internal(set) var firstAlert: TLSAlert?
    public internal(set) var encryptedAlerts = 0
    /// First failure and how many datagrams or messages failed.
    public internal(set) var failure: DTLSFailure?
    public internal(set) var failures = 0
    /// Version of the last DTLSPlaintext record (0 before any).
    public internal(set) var recordVersion: UInt16 = 0
    /// Length of the connection id that records in this direction carry, once the peer's
    /// hello named it.
    public internal(set) var connectionIDLength: Int?
    /// Time of the first protected handshake or application record (the Finished); in DTLS
    /// 1.3, of the first record in the application epoch (epoch 3).
    public internal(set) var finishedAt: Int64?

    /// Handshake fragments that repeated a message already delivered.
    public var retransmittedFragments: Int { assembler.retransmittedFragments }
    /// Handshake messages dropped at the reassembly bound.
    public var droppedMessages: Int { assembler.droppedMessages }

    mutating func fail(_ f: DTLSFailure) {
        if failure == nil { failure = f }
        failures &+= 1
    }
}
