/* prom_parse / prom_cpu_busy / prom_mem_used: the node exporter reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "prom.h"

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
    struct prom_sample s;

    (void)state;
    assert_int_equal(prom_parse(sample, strlen(sample), &s), 0);
    assert_true(s.has_cpu);
    assert_true(s.cpu_idle > 199.99 && s.cpu_idle < 200.01);
    assert_true(s.cpu_total > 239.49 && s.cpu_total < 239.51);
    assert_true(s.has_mem);
    assert_true(prom_mem_used(&s) > 0.7499 && prom_mem_used(&s) < 0.7501);
    assert_true(s.has_sockets);
    assert_true(s.sockets == 321); /* not the _extra metric sharing its prefix */
}

static void test_missing(void **state)
{
    struct prom_sample s;
    const char only_free[] = "node_memory_MemTotal_bytes 100\n";

    (void)state;
    prom_parse("", 0, &s);
    assert_false(s.has_cpu);
    assert_false(s.has_mem);
    assert_false(s.has_sockets);
    assert_true(prom_mem_used(&s) < 0);
    prom_parse(only_free, strlen(only_free), &s);
    assert_false(s.has_mem); /* MemAvailable missing */
    /* not NUL-terminated: the length is honoured */
    prom_parse("node_sockstat_sockets_used 42XXXX", 29, &s);
    assert_true(s.has_sockets);
    assert_true(s.sockets == 42);
}

static void test_cpu_busy(void **state)
{
    (void)state;
    /* 10 s of CPU passed, 7.5 of them idle: 25 % busy */
    assert_true(prom_cpu_busy(107.5, 150, 100, 140) > 0.2499);
    assert_true(prom_cpu_busy(107.5, 150, 100, 140) < 0.2501);
    assert_true(prom_cpu_busy(100, 140, 100, 140) < 0);  /* no time passed */
    assert_true(prom_cpu_busy(90, 150, 100, 140) < 0);   /* counter reset */
    assert_true(prom_cpu_busy(100, 150, 100, 140) == 1); /* fully busy */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_cpu_busy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
