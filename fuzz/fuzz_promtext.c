/* libFuzzer target: the Prometheus text reader mrb-health uses on each
 * media server's node exporter page. */
#include <stddef.h>
#include <stdint.h>

#include "promtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct promtext_sample s;

    promtext_parse((const char *)data, size, NULL, &s);
    if (s.has_cpu)
        (void)promtext_cpu_busy(s.cpu_idle, s.cpu_total, s.cpu_idle / 2, s.cpu_total / 2);
    (void)promtext_mem_used(&s);
    promtext_parse((const char *)data, size, "eth0,lo", &s); /* a [server NAME] net_devices list */
    (void)promtext_rate_mbps(s.tx_bytes, 2000, s.tx_bytes / 2, 1000);
    return 0;
}
