#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `path` names a regular file (which can be memory-mapped).
func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// Whether `path` names a directory.
func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// What keeps `path` from being read as a capture before any reader opens it: a file that
/// does not exist, or a directory; nil otherwise (`-`, files, pipes and devices).
func captureProblem(_ path: String) -> String? {
    guard path != "-" else { return nil }
    var st = stat()
    guard stat(path, &st) == 0 else {
        return errno == ENOENT ? "no such file; check the path" : nil
    }
    return (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory; name a capture file (pcap or pcapng) in it" : nil
}
