/* Unit tests for the pure parts of lib/counters.c and lib/util.c's util_grow:
 * Prometheus label escaping (text format 0.0.4: backslash, double quote
 * and line feed are escaped, nothing else), the join outcome labels, and
 * the growable-array helper every row collector uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "counters.h"
#include "util.h"

static void test_label_escape(void **state)
{
    char out[64];
    (void)state;

    assert_int_equal(counters_label_escape("janus-a", out, sizeof(out)), 0);
    assert_string_equal(out, "janus-a");
    assert_int_equal(counters_label_escape("a\"b\\c\nd", out, sizeof(out)), 0);
    assert_string_equal(out, "a\\\"b\\\\c\\nd");
    assert_int_equal(counters_label_escape("", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    /* UTF-8 passes through untouched */
    assert_int_equal(counters_label_escape("서버", out, sizeof(out)), 0);
    assert_string_equal(out, "서버");
}

static void test_label_escape_bounds(void **state)
{
    char out[4];
    (void)state;

    assert_int_equal(counters_label_escape("abc", out, sizeof(out)), 0); /* exactly fits with the NUL */
    assert_string_equal(out, "abc");
    assert_int_equal(counters_label_escape("abcd", out, sizeof(out)), -1);
    assert_int_equal(counters_label_escape("ab\"", out, sizeof(out)), -1); /* the escape needs 2 */
    assert_int_equal(counters_label_escape("a\"", out, sizeof(out)), 0);
    assert_string_equal(out, "a\\\"");
}

static void test_join_outcome(void **state)
{
    (void)state;
    assert_string_equal(counters_join_outcome("000"), "ok");
    assert_string_equal(counters_join_outcome("104"), "not_found");
    assert_string_equal(counters_join_outcome("105"), "expired");
    assert_string_equal(counters_join_outcome("106"), "wrong_key");
    assert_string_equal(counters_join_outcome("107"), "full");
    assert_string_equal(counters_join_outcome("109"), "rate_limited");
    assert_string_equal(counters_join_outcome("400"), "bad_request");
    assert_string_equal(counters_join_outcome("503"), "unavailable");
    assert_string_equal(counters_join_outcome("413"), "other");
    assert_string_equal(counters_join_outcome(""), "other");
}

static void test_grow(void **state)
{
    size_t cap = 0, n;
    int *v = NULL;
    (void)state;

    for (n = 0; n < 1000; n++) {
        int *g = util_grow(v, n, &cap, sizeof(*v));
        assert_non_null(g);
        v = g;
        assert_true(cap > n);
        v[n] = (int)n;
    }
    for (n = 0; n < 1000; n++)
        assert_int_equal(v[n], (int)n);
    assert_true(cap < 2048); /* doubling, not one-by-one or runaway */
    /* with room to spare it returns the same block */
    assert_ptr_equal(util_grow(v, 999, &cap, sizeof(*v)), v);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escape),
        cmocka_unit_test(test_label_escape_bounds),
        cmocka_unit_test(test_join_outcome),
        cmocka_unit_test(test_grow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
