/* promtext_parse / promtext_cpu_busy / promtext_mem_used: the node exporter reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "promtext.h"

static const char sample[] =
    "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100.5\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 20\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 9.5\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 99.5\n"
    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 1e1 1700000000000\n"
    "node_memory_MemAvailable_bytes 2.5e+09\n"
    "node_memory_MemTotal_bytes 1e+10\n"
    "node_memory_MemFree_bytes 1\n"
    "node_sockstat_sockets_used 321\n"
    "node_sockstat_sockets_used_extra 999\n"
    "garbage line without value\n"
    "node_sockstat_TCP_inuse 5";

static void test_parse(void **state)
{
    struct promtext_sample s;

    (void)state;
    assert_int_equal(promtext_parse(sample, strlen(sample), NULL, &s), 0);
    assert_true(s.has_cpu);
    assert_true(s.cpu_idle > 199.99 && s.cpu_idle < 200.01);
    assert_true(s.cpu_total > 239.49 && s.cpu_total < 239.51);
    assert_true(s.has_mem);
    assert_true(promtext_mem_used(&s) > 0.7499 && promtext_mem_used(&s) < 0.7501);
    assert_true(s.has_sockets);
    assert_true(s.sockets == 321); /* not the _extra metric sharing its prefix */
}

static void test_missing(void **state)
{
    struct promtext_sample s;
    const char only_free[] = "node_memory_MemTotal_bytes 100\n";

    (void)state;
    promtext_parse("", 0, NULL, &s);
    assert_false(s.has_cpu);
    assert_false(s.has_mem);
    assert_false(s.has_sockets);
    assert_false(s.has_tx);
    assert_true(promtext_mem_used(&s) < 0);
    promtext_parse(only_free, strlen(only_free), NULL, &s);
    assert_false(s.has_mem); /* MemAvailable missing */
    /* not NUL-terminated: the length is honoured */
    promtext_parse("node_sockstat_sockets_used 42XXXX", 29, NULL, &s);
    assert_true(s.has_sockets);
    assert_true(s.sockets == 42);
}

static void test_cpu_busy(void **state)
{
    (void)state;
    /* 10 s of CPU passed, 7.5 of them idle: 25 % busy */
    assert_true(promtext_cpu_busy(107.5, 150, 100, 140) > 0.2499);
    assert_true(promtext_cpu_busy(107.5, 150, 100, 140) < 0.2501);
    assert_true(promtext_cpu_busy(100, 140, 100, 140) < 0);  /* no time passed */
    assert_true(promtext_cpu_busy(90, 150, 100, 140) < 0);   /* counter reset */
    assert_true(promtext_cpu_busy(100, 150, 100, 140) == 1); /* fully busy */
}

/* node_network_transmit_bytes_total as a node exporter writes it, with a
 * loopback, two real devices, a virtual one and a metric sharing the prefix. */
static const char net[] =
    "# HELP node_network_transmit_bytes_total Network device statistic transmit_bytes.\n"
    "# TYPE node_network_transmit_bytes_total counter\n"
    "node_network_transmit_bytes_total{device=\"eth0\"} 1e+06\n"
    "node_network_transmit_bytes_total{device=\"eth1\"} 250000\n"
    "node_network_transmit_bytes_total{device=\"lo\"} 9e+09\n"
    "node_network_transmit_bytes_total{device=\"veth7\",extra=\"x\"} 5000\n"
    "node_network_transmit_bytes_total_extra{device=\"eth0\"} 77\n"
    "node_network_transmit_packets_total{device=\"eth0\"} 1000\n"
    "node_network_transmit_bytes_total 123\n" /* no device: not counted */
    "node_network_receive_bytes_total{device=\"eth0\"} 5e+09\n";

static void test_network(void **state)
{
    struct promtext_sample s;

    (void)state;
    /* default: every device but lo (its traffic never leaves the host) */
    promtext_parse(net, strlen(net), NULL, &s);
    assert_true(s.has_tx);
    assert_true(s.tx_bytes == 1e6 + 250000 + 5000);
    promtext_parse(net, strlen(net), "", &s);
    assert_true(s.tx_bytes == 1e6 + 250000 + 5000);
    /* a [server NAME] net_devices list: exactly those */
    promtext_parse(net, strlen(net), "eth0", &s);
    assert_true(s.has_tx);
    assert_true(s.tx_bytes == 1e6);
    promtext_parse(net, strlen(net), "eth1,eth0", &s);
    assert_true(s.tx_bytes == 1e6 + 250000);
    promtext_parse(net, strlen(net), "lo", &s); /* the dev stack: both Janus talk over loopback */
    assert_true(s.tx_bytes == 9e9);
    promtext_parse(net, strlen(net), "eth", &s); /* a prefix is not a name */
    assert_false(s.has_tx);
    assert_true(s.tx_bytes == 0);
    promtext_parse(net, strlen(net), "eth00,th0", &s);
    assert_false(s.has_tx);
    /* only loopback present (Debian's exporter drops it anyway): no sample */
    {
        const char only_lo[] = "node_network_transmit_bytes_total{device=\"lo\"} 5\n";
        promtext_parse(only_lo, strlen(only_lo), NULL, &s);
        assert_false(s.has_tx);
    }
}

static void test_rate(void **state)
{
    (void)state;
    /* 1,000,000 bytes in 1 s: 8 Mbit/s */
    assert_true(promtext_rate_mbps(2e6, 2000, 1e6, 1000) == 8.0);
    /* 25 MB in 5 s: 40 Mbit/s */
    assert_true(promtext_rate_mbps(125e6, 1700000005000LL, 100e6, 1700000000000LL) == 40.0);
    assert_true(promtext_rate_mbps(1e6, 2000, 1e6, 1000) == 0.0); /* nothing sent */
    assert_true(promtext_rate_mbps(5e5, 2000, 1e6, 1000) < 0);    /* counter reset */
    assert_true(promtext_rate_mbps(2e6, 1000, 1e6, 1000) < 0);    /* no time passed */
    assert_true(promtext_rate_mbps(2e6, 900, 1e6, 1000) < 0);     /* clock went back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_cpu_busy),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_rate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
