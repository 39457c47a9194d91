extension Array {
    /// Empties the array for reuse, keeping its room while that is at most `kept` elements;
    /// past that (a burst grew it) the room is given back and `reserved` made anew, so that a
    /// days-long run does not hold what one burst grew (the ended flows of one sweep, the
    /// events of one replay).
    mutating func removeAll(keepingAtMost kept: Int, reserving reserved: Int) {
        if capacity > kept {
            self = []
            reserveCapacity(reserved)
        } else {
            removeAll(keepingCapacity: true)
        }
    }
}
