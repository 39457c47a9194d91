import Testing

/// The tshark helper that many tests take their truth from (`tsharkFields`): rows when tshark
/// exits with status 0, an error when it does not (a bad filter, an unreadable file), so that
/// a failed tshark cannot pass for a capture with nothing in it.
@Suite("tshark helper")
struct TsharkTests {
    /// `capinfos -c Captures/public/arkime-stun.pcap`: "Number of packets: 8".
    @Test("a capture's frames: one row each")
    func rows() throws {
        let rows = try tsharkFields(repositoryRoot + "/Captures/public/arkime-stun.pcap", ["-e", "frame.number"])
        #expect(rows == (1...8).map { ["\($0)"] })
    }

    /// `tshark -r Captures/public/arkime-stun.pcap -Y no_such_field` exits with status 2 ("is
    /// neither a field nor a protocol name"), as does a missing file ("doesn't exist"): no
    /// rows, an error.
    @Test("a bad display filter and a missing capture are errors, not empty answers")
    func failures() {
        #expect(throws: TsharkError.self) {
            try tsharkFields(repositoryRoot + "/Captures/public/arkime-stun.pcap", ["-Y", "no_such_field", "-e", "frame.number"])
        }
        #expect(throws: TsharkError.self) {
            try tsharkFields(repositoryRoot + "/Captures/public/no-such-capture.pcap", ["-e", "frame.number"])
        }
    }

    /// `capinfos`: "An error occurred after reading 6 packets"; tshark prints those 6, then
    /// exits with status 2. Named in `damagedCaptures`, its 6 frames are the answer.
    @Test("a capture tshark reads only up to its damaged record: the frames before it")
    func damaged() throws {
        let rows = try tsharkFields(repositoryRoot + "/Captures/public/suricata-verify-tls_DER-incomplete-header.pcap",
                                    ["-e", "frame.number"])
        #expect(rows.count == 6)
    }
}
