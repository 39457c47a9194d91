extension SIPCounts {
    /// Writes the flow's `sip` object: requests by method, responses by status, Call-IDs.
    func write(to w: inout JSONWriter) {
        w.beginObject("sip")
        w.beginObject("requests")
        for m in SIPMethod.allCases where Int(m.rawValue) < 24 && requests[Int(m.rawValue)] > 0 {
            w.value(JSONKey(m.name), Int(requests[Int(m.rawValue)]))
        }
        w.endObject()
        w.beginObject("responses")
        for (code, n) in responses.sorted(by: { $0.key < $1.key }) { w.value(JSONKey(String(code)), n) }
        w.endObject()
        w.beginArray("call_ids")
        for id in callIDs { w.value(nil, id) }
        w.endArray()
        w.endObject()
    }
}
