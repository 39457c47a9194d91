#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include "CMapping.h"

void *edgeflow_move_mapping(void *old, size_t old_bytes, size_t new_bytes, void *to) {
#ifdef __linux__
    return mremap(old, old_bytes, new_bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to);
#else
    (void)old; (void)old_bytes; (void)new_bytes; (void)to;
    errno = ENOSYS;
    return (void *)-1;
#endif
}

void *edgeflow_grow_mapping(void *old, size_t old_bytes, size_t new_bytes) {
#ifdef __linux__
    return mremap(old, old_bytes, new_bytes, MREMAP_MAYMOVE);
#else
    (void)old; (void)old_bytes; (void)new_bytes;
    errno = ENOSYS;
    return (void *)-1;
#endif
}
