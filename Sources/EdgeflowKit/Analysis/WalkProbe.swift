import Foundation
import CPrefetch

/// THROWAWAY (step 1 of h-walk2): walks the mapped files as a walker thread would, skipping
/// every packet, and prints what it found. EDGEFLOW_WALKPROBE=0 reader only, 1 raw-bytes bucket,
/// 2 plainTuple + ShardRouting's bucket.
enum WalkProbe {
    static let distance = ProcessInfo.processInfo.environment["EDGEFLOW_WALKPF"].flatMap { Int($0) } ?? 0
    static var variant: Int? { ProcessInfo.processInfo.environment["EDGEFLOW_WALKPROBE"].flatMap { Int($0) } }
    static func run(_ readers: [MappedCaptureReader], paths: [String], variant: Int) -> Never {
        if variant >= 3 { concurrent(paths, threads: variant - 2) }
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        let t0 = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        var r = Result()
        for reader in readers {
            switch variant {
            case 1: walkFast(reader, &r)
            case 2: walkTuple(reader, &r)
            default: walkRecords(reader, &r)
            }
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        let t1 = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        FileHandle.standardError.write("walk probe \(variant): \(r.total) records, own \(r.own), other \(r.other), slow \(r.slow), sip \(r.sip), sweeps \(r.sweeps), cpu \(t1 - t0) s\n".data(using: .utf8)!)
        exit(0)
    }

    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Variant 3 (one walker) and 4 (two walkers at once) on one mapping that drops no pages.
    static func concurrent(_ paths: [String], threads: Int) -> Never {
        let file = try! MappedFile(path: paths[0], releaseStep: 1 << 60)
        let reader = try! MappedCaptureReader(file: file, name: paths[0])
        let done = DispatchSemaphore(value: 0)
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        struct Box: @unchecked Sendable { let reader: MappedCaptureReader }
        let box = Box(reader: reader)
        for k in 0..<threads {
            let t = Thread {
                let reader = box.reader
                let t0 = threadCPU()
                var r = Result()
                walkFast(reader, &r, me: UInt8(k))
                let t1 = threadCPU()
                FileHandle.standardError.write("walker \(k): \(r.total) records, own \(r.own), slow \(r.slow), sip \(r.sip), cpu \(t1 - t0) s\n".data(using: .utf8)!)
                done.signal()
            }
            t.start()
        }
        for _ in 0..<threads { done.wait() }
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        FileHandle.standardError.write("wall \(Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9) s\n".data(using: .utf8)!)
        exit(0)
    }

    struct Result {
        var total = 0, own = 0, other = 0, slow = 0, sip = 0, sweeps = 0
    }

    static let owner = ShardRouting.owners(shards: 2)

    @inline(never)
    static func walkRecords(_ reader: MappedCaptureReader, _ r: inout Result) {
        var reader = reader
        var clock = SweepClock(interval: 1_000_000_000)
        while let p = reader.next() {
            r.total &+= 1
            if clock.isDue(p.timestamp) { r.sweeps &+= 1; clock.swept(at: p.timestamp) }
        }
    }

    @inline(never)
    static func walkTuple(_ reader: MappedCaptureReader, _ r: inout Result) {
        var reader = reader
        var clock = SweepClock(interval: 1_000_000_000)
        let me: UInt8 = 1
        owner.withUnsafeBufferPointer { own in
            while let p = reader.next() {
                r.total &+= 1
                if clock.isDue(p.timestamp) { r.sweeps &+= 1; clock.swept(at: p.timestamp) }
                if let t = PacketDecoder.plainTuple(p.bytes, linkType: p.linkType) {
                    if t.maybeSIP { r.sip &+= 1; continue }
                    let b = ShardRouting.probeBucket(t)
                    if own[b] == me { r.own &+= 1 } else { r.other &+= 1 }
                } else {
                    r.slow &+= 1
                }
            }
        }
    }

    /// The bucket from raw bytes at fixed offsets: Ethernet II, IPv4 with a 20-byte header, not
    /// a fragment, UDP (not VXLAN) or TCP. -1: any other frame (the full decode's).
    @inline(__always)
    static func fastBucket(_ p: UnsafeRawPointer, _ n: Int, sip: inout Bool) -> Int {
        guard n >= 42 else { return -1 }
        let w = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)      // type, version + IHL, DSCP
        let f = p.loadUnaligned(fromByteOffset: 20, as: UInt32.self)      // flags + fragment, TTL, protocol
        guard w & 0x00FF_FFFF == 0x0045_0008, f & 0x0000_FF3F == 0 else { return -1 }
        let proto = f >> 24
        let total = Int(UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt16.self)))
        guard total >= 28, total <= n &- 14 else { return -1 }
        let ports = p.loadUnaligned(fromByteOffset: 34, as: UInt32.self)
        if proto == 17 {
            let ulen = Int(UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 38, as: UInt16.self)))
            guard ulen >= 8, ports >> 16 != 0xB512 else { return -1 }   // 4789 raw
            sip = total > 28 && ulen > 8 && n > 42 && p.load(fromByteOffset: 42, as: UInt8.self) &- 0x41 < 26
        } else if proto == 6 {
            guard n >= 54 else { return -1 }
            let dataOffset = Int(p.load(fromByteOffset: 46, as: UInt8.self) >> 4) &* 4
            guard dataOffset >= 20, dataOffset <= total &- 20 else { return -1 }
            sip = ports & 0xFFFF == 0xC413 || ports >> 16 == 0xC413
        } else {
            return -1
        }
        let a = p.loadUnaligned(fromByteOffset: 26, as: UInt64.self)
        let addrs = (a & 0xFFFF_FFFF) &+ (a >> 32)
        let portSum = UInt64(ports & 0xFFFF) &+ UInt64(ports >> 16)
        let h = (addrs << 18 ^ portSum ^ UInt64(proto)) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: h >> 58)
    }

    @inline(never)
    static func walkFast(_ reader: MappedCaptureReader, _ r: inout Result, me: UInt8 = 1) {
        var reader = reader
        var clock = SweepClock(interval: 1_000_000_000)
        let d = distance
        owner.withUnsafeBufferPointer { own in
            while let p = reader.next() {
                r.total &+= 1
                if d > 0 { edgeflow_prefetch(p.bytes.baseAddress! + d) }
                if clock.isDue(p.timestamp) { r.sweeps &+= 1; clock.swept(at: p.timestamp) }
                var sip = false
                let b = p.linkType == .ethernet ? fastBucket(p.bytes.baseAddress!, p.bytes.count, sip: &sip) : -1
                if b < 0 { r.slow &+= 1; continue }
                if sip { r.sip &+= 1; continue }
                if own[b] == me { r.own &+= 1 } else { r.other &+= 1 }
            }
        }
    }
}

extension ShardRouting {
    /// THROWAWAY: today's bucket of a plain tuple.
    static func probeBucket(_ p: PlainTuple) -> Int {
        bucket(IPAddress(ipv4: p.src), p.srcPort, IPAddress(ipv4: p.dst), p.dstPort, proto: p.proto)
    }
}
