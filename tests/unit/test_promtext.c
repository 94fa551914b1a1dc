/* promtext_parse / promtext_cpu_busy / promtext_mem_used: the node exporter reader.
 * Cases are rows of tables; a failure names its row. */
#include "unit.h"

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
    static const struct {
        const char *name, *text;
        size_t len;
        int has_sockets;
        double sockets; /* when has_sockets */
    } cases[] = {
        {"nothing", "", 0, 0, 0},
        {"MemTotal without MemAvailable", "node_memory_MemTotal_bytes 100\n", 31, 0, 0},
        {"not NUL-terminated: the length is honoured", "node_sockstat_sockets_used 42XXXX", 29, 1, 42},
    };
    struct promtext_sample s;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        const char *name = cases[i].name;

        promtext_parse(cases[i].text, cases[i].len, NULL, &s);
        case_false(name, s.has_cpu);
        case_false(name, s.has_mem);
        case_true(name, promtext_mem_used(&s) < 0);
        case_int(name, s.has_sockets != 0, cases[i].has_sockets);
        if (cases[i].has_sockets)
            case_true(name, s.sockets == cases[i].sockets);
        case_false(name, s.has_tx);
    }
}

static void test_cpu_busy(void **state)
{
    /* promtext_cpu_busy(idle, total, prev_idle, prev_total): within tol of
     * want (tol 0: exactly want), or negative (want -1) */
    static const struct {
        const char *name;
        double idle, total, prev_idle, prev_total, want, tol;
    } cases[] = {
        {"10 s of CPU passed, 7.5 of them idle: 25 % busy", 107.5, 150, 100, 140, 0.25, 0.0001},
        {"no time passed", 100, 140, 100, 140, -1, 0},
        {"counter reset", 90, 150, 100, 140, -1, 0},
        {"fully busy", 100, 150, 100, 140, 1, 0},
    };

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        double busy = promtext_cpu_busy(cases[i].idle, cases[i].total, cases[i].prev_idle, cases[i].prev_total);

        if (cases[i].want < 0)
            case_true(cases[i].name, busy < 0);
        else if (cases[i].tol > 0)
            case_true(cases[i].name, busy > cases[i].want - cases[i].tol && busy < cases[i].want + cases[i].tol);
        else
            case_true(cases[i].name, busy == cases[i].want);
    }
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
    static const struct {
        const char *name, *devices;
        int has_tx;
        double tx_bytes;
    } cases[] = {
        /* every device but lo (its traffic never leaves the host) */
        {"default: NULL", NULL, 1, 1e6 + 250000 + 5000},
        {"default: empty", "", 1, 1e6 + 250000 + 5000},
        /* a [server NAME] net_devices list: exactly those */
        {"one device", "eth0", 1, 1e6},
        {"two devices", "eth1,eth0", 1, 1e6 + 250000},
        {"lo: the dev stack, both Janus talk over loopback", "lo", 1, 9e9},
        {"a prefix is not a name", "eth", 0, 0},
        {"near misses", "eth00,th0", 0, 0},
    };
    struct promtext_sample s;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        promtext_parse(net, strlen(net), cases[i].devices, &s);
        case_int(cases[i].name, s.has_tx != 0, cases[i].has_tx);
        case_true(cases[i].name, s.tx_bytes == cases[i].tx_bytes);
    }
    /* only loopback present (Debian's exporter drops it anyway): no sample */
    {
        const char only_lo[] = "node_network_transmit_bytes_total{device=\"lo\"} 5\n";
        promtext_parse(only_lo, strlen(only_lo), NULL, &s);
        assert_false(s.has_tx);
    }
}

static void test_rate(void **state)
{
    /* promtext_rate_mbps(bytes, ms, prev_bytes, prev_ms): want, or < 0 (want -1) */
    static const struct {
        const char *name;
        double bytes;
        long long ms;
        double prev_bytes;
        long long prev_ms;
        double want;
    } cases[] = {
        {"1,000,000 bytes in 1 s: 8 Mbit/s", 2e6, 2000, 1e6, 1000, 8.0},
        {"25 MB in 5 s: 40 Mbit/s", 125e6, 1700000005000LL, 100e6, 1700000000000LL, 40.0},
        {"nothing sent", 1e6, 2000, 1e6, 1000, 0.0},
        {"counter reset", 5e5, 2000, 1e6, 1000, -1},
        {"no time passed", 2e6, 1000, 1e6, 1000, -1},
        {"clock went back", 2e6, 900, 1e6, 1000, -1},
    };

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        double r = promtext_rate_mbps(cases[i].bytes, cases[i].ms, cases[i].prev_bytes, cases[i].prev_ms);
        if (cases[i].want < 0)
            case_true(cases[i].name, r < 0);
        else
            case_true(cases[i].name, r == cases[i].want);
    }
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
