#ifndef EDGEFLOW_CMAPPING_H
#define EDGEFLOW_CMAPPING_H

#include <stddef.h>

// `mremap`, which Swift cannot import (a C variadic function): the flow table's slots and records
// grow by moving their pages, not by copying them (`SlotMapping`, `RecordMapping`).

/// Moves the mapping of `old_bytes` at `old` to `to` (a mapping of `new_bytes` the caller holds,
/// which it replaces) and sizes it to `new_bytes`; the pages past `old_bytes` are new (zeros).
/// Returns `to`, or `(void *)-1` with `errno` set; Linux only (elsewhere `ENOSYS`).
void *edgeflow_move_mapping(void *old, size_t old_bytes, size_t new_bytes, void *to);

/// Sizes the mapping of `old_bytes` at `old` to `new_bytes`, in place where the addresses past it
/// are free, else moved wherever the kernel finds room; the pages past `old_bytes` are new (zeros).
/// Returns its address, or `(void *)-1` with `errno` set; Linux only (elsewhere `ENOSYS`).
void *edgeflow_grow_mapping(void *old, size_t old_bytes, size_t new_bytes);

#endif
