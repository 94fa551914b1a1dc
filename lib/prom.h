#ifndef MRB_PROM_H
#define MRB_PROM_H

#include <stddef.h>

/* What MRB reads from a node exporter's Prometheus text. Pure: no I/O. */
struct prom_sample {
    double cpu_idle, cpu_total; /* sums of node_cpu_seconds_total over CPUs */
    double mem_total, mem_available;
    double sockets;
    int has_cpu, has_mem, has_sockets;
};

/* Parses text (len bytes, need not be NUL-terminated). Unknown metrics,
 * comments and malformed lines are skipped. Returns 0. */
int prom_parse(const char *text, size_t len, struct prom_sample *out);

/* Busy fraction since the previous sample: 1 - d(idle)/d(total), clamped to
 * [0, 1]. Returns -1 when there is no usable previous sample. */
double prom_cpu_busy(double idle, double total, double prev_idle, double prev_total);

/* 1 - MemAvailable/MemTotal, or -1 when unknown. */
double prom_mem_used(const struct prom_sample *s);

#endif
