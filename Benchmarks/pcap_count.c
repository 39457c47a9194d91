/* The read floor through libpcap: pcap_dispatch counting packets and bytes, nothing else.
 * Build: cc -O2 -o pcap_count Benchmarks/pcap_count.c -lpcap */
#include <pcap/pcap.h>
#include <stdio.h>

struct totals { unsigned long long packets, bytes; };

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *data) {
    struct totals *t = (struct totals *)user;
    (void)data;
    t->packets++;
    t->bytes += h->caplen;
}

int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    struct totals t = {0, 0};
    if (argc != 2) { fprintf(stderr, "usage: %s CAPTURE\n", argv[0]); return 2; }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) { fprintf(stderr, "%s\n", err); return 2; }
    while (pcap_dispatch(p, 4096, count, (u_char *)&t) > 0) {}
    printf("%llu packets, %llu bytes\n", t.packets, t.bytes);
    pcap_close(p);
    return 0;
}
