/* Unit tests for the pure parts of lib/counters.c and lib/util.c's util_grow:
 * Prometheus label escaping (text format 0.0.4: backslash, double quote
 * and line feed are escaped, nothing else), the join outcome labels, and
 * the growable-array helper every row collector uses. Cases are rows of
 * tables; a failure names its row. */
#include "unit.h"

#include "counters.h"
#include "util.h"

/* counters_label_escape(in, out, outlen): rc, and out when rc is 0. */
struct escape_case {
    const char *name, *in;
    int rc;
    const char *want;
};

static void check_escapes(const struct escape_case *cases, size_t n, char *out, size_t outlen)
{
    for (size_t i = 0; i < n; i++) {
        case_int(cases[i].name, counters_label_escape(cases[i].in, out, outlen), cases[i].rc);
        if (cases[i].rc == 0)
            case_str(cases[i].name, out, cases[i].want);
    }
}

static void test_label_escape(void **state)
{
    static const struct escape_case cases[] = {
        {"nothing to escape", "janus-a", 0, "janus-a"},
        {"quote, backslash and newline", "a\"b\\c\nd", 0, "a\\\"b\\\\c\\nd"},
        {"empty", "", 0, ""},
        {"UTF-8 passes through untouched", "서버", 0, "서버"},
    };
    char out[64];

    (void)state;
    check_escapes(cases, N_CASES(cases), out, sizeof(out));
}

static void test_label_escape_bounds(void **state)
{
    static const struct escape_case cases[] = {
        {"exactly fits with the NUL", "abc", 0, "abc"},
        {"one byte too long", "abcd", -1, NULL},
        {"the escape needs 2", "ab\"", -1, NULL},
        {"an escape that fits", "a\"", 0, "a\\\""},
    };
    char out[4];

    (void)state;
    check_escapes(cases, N_CASES(cases), out, sizeof(out));
}

static void test_join_outcome(void **state)
{
    static const struct {
        const char *code, *want; /* the code names the case */
    } cases[] = {
        {"000", "ok"},          {"104", "not_found"},    {"105", "expired"},     {"106", "wrong_key"},
        {"107", "full"},        {"109", "rate_limited"}, {"400", "bad_request"}, {"503", "unavailable"},
        {"413", "other"},       {"", "other"},
    };

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_str(cases[i].code, counters_join_outcome(cases[i].code), cases[i].want);
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
