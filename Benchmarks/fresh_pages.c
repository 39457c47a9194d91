// What fresh memory costs on this machine: maps MB megabytes of anonymous memory, asks for
// transparent huge pages (or not), has the kernel populate them (MADV_POPULATE_WRITE, as
// edgeflow's state pools do), times that, unmaps, and repeats ROUNDS times, PAUSE seconds apart.
//
//   cc -O2 -o /tmp/fresh_pages Benchmarks/fresh_pages.c
//   /tmp/fresh_pages MB ROUNDS PAUSE huge|small
//
// On a virtual machine that hands freed memory back to its host (virtio_balloon free page
// reporting), pages freed seconds ago cost the host's faults again when populated: compare a
// PAUSE of 0 with one of 3. On bare metal both cost the kernel's zeroing only.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[4], "huge") != 0 && strcmp(argv[4], "small") != 0)) {
        fprintf(stderr, "usage: %s MB ROUNDS PAUSE huge|small\n", argv[0]);
        return 2;
    }
    size_t bytes = (size_t)atol(argv[1]) << 20;
    int rounds = atoi(argv[2]);
    unsigned pause = (unsigned)atoi(argv[3]);
    int huge = strcmp(argv[4], "huge") == 0;
    for (int r = 0; r < rounds; r++) {
        if (r > 0 && pause > 0) sleep(pause);
        // 2 MiB-aligned, so that every huge page can be a huge page.
        size_t span = bytes + (2u << 20);
        char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) { perror("mmap"); return 1; }
        char *p = (char *)(((unsigned long)raw + (2u << 20) - 1) & ~((2ul << 20) - 1));
        madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
        double t0 = now();
        if (madvise(p, bytes, MADV_POPULATE_WRITE) != 0) { perror("madvise(MADV_POPULATE_WRITE)"); return 1; }
        double t1 = now();
        printf("round %d: %zu MB of %s pages populated in %.3f s\n", r + 1, bytes >> 20, huge ? "huge" : "small", t1 - t0);
        munmap(raw, span);
    }
    return 0;
}
