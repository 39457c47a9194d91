#ifndef EDGEFLOW_CPCAP_SHIM_H
#define EDGEFLOW_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
