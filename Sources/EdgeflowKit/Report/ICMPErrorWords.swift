extension ICMPError {
    /// Words for an error's type and code, as tshark names them.
    public static func describe(proto: UInt8, type: UInt8, code: UInt8) -> String {
        if proto == IPProtocol.icmp {
            switch (type, code) {
            case (3, 0): return "network unreachable"
            case (3, 1): return "host unreachable"
            case (3, 2): return "protocol unreachable"
            case (3, 3): return "port unreachable"
            case (3, 4): return "fragmentation needed"
            case (3, 9), (3, 10), (3, 13): return "administratively prohibited"
            case (3, _): return "destination unreachable (code \(code))"
            case (11, _): return "time exceeded"
            case (12, _): return "parameter problem"
            default: return "type \(type) code \(code)"
            }
        }
        switch (type, code) {
        case (1, 0): return "no route to destination"
        case (1, 1): return "administratively prohibited"
        case (1, 3): return "address unreachable"
        case (1, 4): return "port unreachable"
        case (1, 5): return "source address failed ingress/egress policy"
        case (1, 6): return "reject route to destination"
        case (1, _): return "destination unreachable (code \(code))"
        case (2, _): return "packet too big"
        case (3, _): return "time exceeded"
        case (4, _): return "parameter problem"
        default: return "type \(type) code \(code)"
        }
    }
}
