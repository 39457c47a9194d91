import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 endpoint for Prometheus scrapes (`--metrics-listen ADDR:PORT`):
/// `GET /metrics` answers the text exposition; anything else 404. One thread, one request
/// per connection: a scrape every few seconds needs no more.
public final class MetricsServer: @unchecked Sendable {
    private let fd: Int32
    private let body: @Sendable () -> [UInt8]
    /// The port actually bound (useful with port 0).
    public let port: UInt16

    public init(listen: String, body: @escaping @Sendable () -> [UInt8]) throws(EdgeflowError) {
        guard let (host, portText) = splitHostPort(listen) ?? (listen.hasPrefix(":") ? ("0.0.0.0", String(listen.dropFirst())) : nil) else {
            throw EdgeflowError("--metrics-listen \(listen): give ADDR:PORT, e.g. 127.0.0.1:9478 or [::]:9478")
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, portText, &hints, &list)
        guard rc == 0, let ai = list else {
            throw EdgeflowError("--metrics-listen \(listen): cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard s >= 0, bind(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0, Glibc.listen(s, 16) == 0 else {
            let e = String(cString: strerror(errno))
            if s >= 0 { close(s) }
            throw EdgeflowError("--metrics-listen \(listen): cannot listen: \(e); pick a free port, or an address of this host")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) } }
        port = withUnsafeBytes(of: storage) { raw in UInt16(raw[2]) << 8 | UInt16(raw[3]) }  // sin_port / sin6_port
        fd = s
        self.body = body
        let thread = Thread { [self] in self.serve() }
        thread.name = "edgeflow-metrics"
        thread.start()
    }

    private func serve() {
        var request = [UInt8](repeating: 0, count: 4096)
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { if errno == EINTR { continue } else { return } }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let n = recv(c, &request, request.count, 0)
            let line = n > 0 ? String(decoding: request[0..<n].prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self) : ""
            let parts = line.split(separator: " ")
            let response: [UInt8]
            if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
                let b = body()
                response = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(b.count)\r\nConnection: close\r\n\r\n".utf8) + b
            } else {
                let b = Array("not found: edgeflow serves GET /metrics\n".utf8)
                response = Array("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(b.count)\r\nConnection: close\r\n\r\n".utf8) + b
            }
            var sent = 0
            while sent < response.count {
                let k = response.withUnsafeBytes { send(c, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if k <= 0 { break }
                sent += k
            }
            close(c)
        }
    }
}
