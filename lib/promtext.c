/* A node exporter's Prometheus text, read (promtext.h). Pure: no I/O. */
#include <stdlib.h>
#include <string.h>

#include "promtext.h"

static int starts(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);

    return n > k && memcmp(line, name, k) == 0 && (line[k] == ' ' || line[k] == '{');
}

/* The sample value: the first field after the labels (a timestamp may follow). */
static int value_of(const char *line, size_t n, double *out)
{
    char buf[64];
    const char *p = line, *end = line + n, *v;
    int depth = 0;
    char *stop;
    size_t len;

    for (; p < end; p++) {
        if (*p == '{')
            depth = 1;
        else if (*p == '}')
            depth = 0;
        else if (*p == ' ' && depth == 0)
            break;
    }
    while (p < end && *p == ' ')
        p++;
    v = p;
    while (p < end && *p != ' ')
        p++;
    len = (size_t)(p - v);
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    *out = strtod(buf, &stop);
    return *stop == '\0' && *out == *out ? 0 : -1;
}

/* The value of label name (e.g. "device") on line, into out; 0 or -1. */
static int label_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
    const char *open = memchr(line, '{', n), *close = memchr(line, '}', n);
    size_t k = strlen(name);

    if (open == NULL || close == NULL || close < open)
        return -1;
    for (const char *p = open + 1; p + k + 2 <= close; p++) {
        if ((p[-1] == '{' || p[-1] == ',') && memcmp(p, name, k) == 0 && p[k] == '=' && p[k + 1] == '"') {
            const char *v = p + k + 2, *q = memchr(v, '"', (size_t)(close - v));
            if (q == NULL || (size_t)(q - v) >= outlen)
                return -1;
            memcpy(out, v, (size_t)(q - v));
            out[q - v] = '\0';
            return 0;
        }
    }
    return -1;
}

/* Whether device's transmitted bytes count (see promtext_parse()). */
static int device_counted(const char *device, const char *net_devices)
{
    size_t k = strlen(device);

    if (net_devices == NULL || net_devices[0] == '\0')
        return strcmp(device, "lo") != 0;
    for (const char *p = net_devices; *p;) {
        size_t n = strcspn(p, ",");
        if (n == k && memcmp(p, device, k) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

int promtext_parse(const char *text, size_t len, const char *net_devices, struct promtext_sample *out)
{
    const char *p = text, *end = text + len;

    memset(out, 0, sizeof(*out));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        double v;

        if (n > 0 && p[0] != '#' && value_of(p, n, &v) == 0) {
            if (starts(p, n, "node_cpu_seconds_total")) {
                char mode[16];
                out->cpu_total += v;
                if (label_value(p, n, "mode", mode, sizeof(mode)) == 0 && strcmp(mode, "idle") == 0)
                    out->cpu_idle += v;
                out->has_cpu = 1;
            } else if (starts(p, n, "node_memory_MemTotal_bytes")) {
                out->mem_total = v;
                out->has_mem |= 1;
            } else if (starts(p, n, "node_memory_MemAvailable_bytes")) {
                out->mem_available = v;
                out->has_mem |= 2;
            } else if (starts(p, n, "node_sockstat_sockets_used")) {
                out->sockets = v;
                out->has_sockets = 1;
            } else if (starts(p, n, "node_network_transmit_bytes_total")) {
                char device[64];
                if (label_value(p, n, "device", device, sizeof(device)) == 0 &&
                    device_counted(device, net_devices)) {
                    out->tx_bytes += v;
                    out->has_tx = 1;
                }
            }
        }
        p += n + 1;
    }
    out->has_mem = out->has_mem == 3 && out->mem_total > 0;
    return 0;
}

double promtext_cpu_busy(double idle, double total, double prev_idle, double prev_total)
{
    double dt = total - prev_total, di = idle - prev_idle, busy;

    if (!(dt > 0) || di < 0)
        return -1;
    busy = 1.0 - di / dt;
    return busy < 0 ? 0 : busy > 1 ? 1 : busy;
}

double promtext_rate_mbps(double bytes, long long ms, double prev_bytes, long long prev_ms)
{
    if (ms <= prev_ms || bytes < prev_bytes)
        return -1;
    return (bytes - prev_bytes) * 8.0 / 1e6 / ((double)(ms - prev_ms) / 1000.0);
}

double promtext_mem_used(const struct promtext_sample *s)
{
    if (!s->has_mem)
        return -1;
    double used = 1.0 - s->mem_available / s->mem_total;
    return used < 0 ? 0 : used > 1 ? 1 : used;
}
