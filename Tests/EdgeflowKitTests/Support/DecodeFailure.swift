/// The typed failure `parse` throws on `bytes`, or nil when it decodes.
func decodeFailure<T, E: Error>(_ bytes: [UInt8], _ parse: (UnsafeRawBufferPointer) throws(E) -> T) -> E? {
    bytes.withUnsafeBytes { p in
        do throws(E) { _ = try parse(p); return nil } catch { return error }
    }
}
