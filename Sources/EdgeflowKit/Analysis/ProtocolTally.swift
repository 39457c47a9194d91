/// Flows counted by IP protocol number, with the order the protocols were first counted in.
/// The end of input's walk counts a flood's millions of flows here and adds them to the
/// capture summary once (`Engine.countFlows`): counted there one by one, each count tested the
/// summary's array for a unique reference (a call a flow).
struct ProtocolTally: ~Copyable {
    private let counts = UnsafeMutablePointer<Int>.allocate(capacity: 256)
    /// The protocols counted, in the order each was first counted.
    private let order = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    private var protocols = 0

    init() { counts.initialize(repeating: 0, count: 256) }

    deinit {
        counts.deallocate()
        order.deallocate()
    }

    /// One more flow of `proto`.
    @inline(__always)
    mutating func count(_ proto: UInt8) {
        let c = counts + Int(proto)
        if c.pointee == 0 {
            order[protocols] = proto
            protocols &+= 1
        }
        c.pointee &+= 1
    }

    /// Each protocol counted and its count, in the order the protocols were first counted.
    func forEach(_ body: (_ proto: UInt8, _ flows: Int) -> Void) {
        for k in 0..<protocols { body(order[k], counts[Int(order[k])]) }
    }
}
