#ifndef MRB_PROMTEXT_H
#define MRB_PROMTEXT_H

#include <stddef.h>

/* What MRB reads from a node exporter's Prometheus text. Pure: no I/O. */
struct promtext_sample {
    double cpu_idle, cpu_total; /* sums of node_cpu_seconds_total over CPUs */
    double mem_total, mem_available;
    double sockets;
    double tx_bytes; /* sum of node_network_transmit_bytes_total over the counted devices */
    int has_cpu, has_mem, has_sockets, has_tx;
};

/* Parses text (len bytes, need not be NUL-terminated). Unknown metrics,
 * comments and malformed lines are skipped. net_devices ("eth0,eth1", as
 * [server NAME] net_devices stores it) names the devices whose transmitted
 * bytes count; NULL or "" counts every device but lo, whose traffic never
 * leaves the host. has_tx is 0 when no counted device was seen. Returns 0. */
int promtext_parse(const char *text, size_t len, const char *net_devices, struct promtext_sample *out);

/* Busy fraction since the previous sample: 1 - d(idle)/d(total), clamped to
 * [0, 1]. Returns -1 when there is no usable previous sample. */
double promtext_cpu_busy(double idle, double total, double prev_idle, double prev_total);

/* Transmit rate in Mbit/s between two samples of a byte counter taken at
 * ms and prev_ms (unix milliseconds). Returns -1 when there is no usable
 * previous sample: no time passed, or the counter went back (the exporter
 * or the host restarted, or a counted device went away). */
double promtext_rate_mbps(double bytes, long long ms, double prev_bytes, long long prev_ms);

/* 1 - MemAvailable/MemTotal, or -1 when unknown. */
double promtext_mem_used(const struct promtext_sample *s);

#endif
