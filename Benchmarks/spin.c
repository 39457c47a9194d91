// A CPU-bound loop that touches no memory: what one core does when nothing waits on memory.
// Benchmarks/two_copies.sh runs one copy and then two at once, to tell whether this machine's
// cores are whole cores (two copies take as long as one) or share one (two take twice as long).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000000ULL;
    uint64_t x = 1;
    for (uint64_t i = 0; i < rounds; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    printf("%llu\n", (unsigned long long)x);  // printed so the loop is not optimised away
    return 0;
}
