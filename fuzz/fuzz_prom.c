/* libFuzzer target: the Prometheus text reader mrb-health uses on each
 * media server's node exporter page. */
#include <stddef.h>
#include <stdint.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct prom_sample s;

    prom_parse((const char *)data, size, NULL, &s);
    if (s.has_cpu)
        (void)prom_cpu_busy(s.cpu_idle, s.cpu_total, s.cpu_idle / 2, s.cpu_total / 2);
    (void)prom_mem_used(&s);
    prom_parse((const char *)data, size, "eth0,lo", &s); /* a [server NAME] net_devices list */
    (void)prom_rate_mbps(s.tx_bytes, 2000, s.tx_bytes / 2, 1000);
    return 0;
}
