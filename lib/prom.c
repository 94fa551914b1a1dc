#include <stdlib.h>
#include <string.h>

#include "prom.h"

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

static int has_label(const char *line, size_t n, const char *label)
{
    const char *close = memchr(line, '}', n);
    size_t k = strlen(label);

    if (close == NULL)
        return 0;
    for (const char *p = line; p + k <= close; p++)
        if (memcmp(p, label, k) == 0)
            return 1;
    return 0;
}

int prom_parse(const char *text, size_t len, struct prom_sample *out)
{
    const char *p = text, *end = text + len;

    memset(out, 0, sizeof(*out));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        double v;

        if (n > 0 && p[0] != '#' && value_of(p, n, &v) == 0) {
            if (starts(p, n, "node_cpu_seconds_total")) {
                out->cpu_total += v;
                if (has_label(p, n, "mode=\"idle\""))
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
            }
        }
        p += n + 1;
    }
    out->has_mem = out->has_mem == 3 && out->mem_total > 0;
    return 0;
}

double prom_cpu_busy(double idle, double total, double prev_idle, double prev_total)
{
    double dt = total - prev_total, di = idle - prev_idle, busy;

    if (!(dt > 0) || di < 0)
        return -1;
    busy = 1.0 - di / dt;
    return busy < 0 ? 0 : busy > 1 ? 1 : busy;
}

double prom_mem_used(const struct prom_sample *s)
{
    if (!s->has_mem)
        return -1;
    double used = 1.0 - s->mem_available / s->mem_total;
    return used < 0 ? 0 : used > 1 ? 1 : used;
}
