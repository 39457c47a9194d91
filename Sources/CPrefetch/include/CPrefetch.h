#ifndef EDGEFLOW_CPREFETCH_H
#define EDGEFLOW_CPREFETCH_H

// A cache-line prefetch for Swift, which has no intrinsic for it: the flow lookup of a packet
// read ahead (`LookupAhead`) asks for the lines its own lookup will miss on.

/// Asks the CPU to bring the cache line holding `address` toward its caches. A hint: it never
/// faults, whatever the address (a stale or unmapped one costs the instruction only).
static inline __attribute__((always_inline)) void edgeflow_prefetch(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
