#if canImport(Glibc)
import Glibc
#endif

/// A connected UDP socket to HOST:PORT (IPv4 or IPv6, resolved once).
final class UDPSender {
    private let fd: Int32
    /// Datagrams the kernel refused (nobody listening, buffer full); export goes on.
    private(set) var errors = 0

    /// - Parameter target: "host:port", "[v6]:port".
    init(_ target: String, option: String) throws(EdgeflowError) {
        guard let (host, port) = splitHostPort(target) else {
            throw EdgeflowError("\(option) \(target): give HOST:PORT, e.g. 127.0.0.1:4739 or [2001:db8::1]:4739")
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0, let ai = list else {
            throw EdgeflowError("\(option) \(target): cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
        guard fd >= 0, connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else {
            throw EdgeflowError("\(option) \(target): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 { errors += 1 }
    }
}

/// Splits "host:port" or "[v6]:port" (a port from 1 to 65535).
public func splitHostPort(_ text: String) -> (host: String, port: String)? {
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), port > 0 else { return nil }
        return (host, String(port))
    }
    guard let colon = text.lastIndex(of: ":") else { return nil }
    let host = String(text[..<colon])
    guard !host.isEmpty, !host.contains(":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
    return (host, String(port))
}
