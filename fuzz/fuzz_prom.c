/* libFuzzer target: the Prometheus text reader mrb-health uses on each
 * media server's node exporter page. */
#include <stddef.h>
#include <stdint.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct prom_sample s;

    prom_parse((const char *)data, size, &s);
    if (s.has_cpu)
        (void)prom_cpu_busy(s.cpu_idle, s.cpu_total, s.cpu_idle / 2, s.cpu_total / 2);
    (void)prom_mem_used(&s);
    return 0;
}
