/* Unit tests for lib/apierror.c: the table of API errors against the two
 * documents clients read. docs/API.md's "Error codes" table must list
 * every row (HTTP status and code) and nothing else; docs/openapi.yaml
 * must have an error schema whose code is each code. A new error cannot
 * go undocumented, nor a documented one vanish. Run from the repository
 * root (make unit does), or set MRB_SRCDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apierror.h"

static char *slurp(const char *rel)
{
    const char *dir = getenv("MRB_SRCDIR");
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : ".", rel);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s (run from the repository root or set MRB_SRCDIR)", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* docs/API.md's rows "| 404 | `104` | ..." under "## Error codes", up to
 * the next heading. */
struct doc_row {
    int http;
    char code[4];
};

static size_t api_md_rows(struct doc_row *rows, size_t cap)
{
    char *md = slurp("docs/API.md");
    char *p = strstr(md, "\n## Error codes\n"), *end;
    size_t n = 0;

    if (p == NULL)
        fail_msg("docs/API.md has no \"## Error codes\" section");
    end = strstr(p + 1, "\n## ");
    for (char *line = p; line && (end == NULL || line < end); line = strchr(line + 1, '\n')) {
        int http;
        char code[4];

        if (sscanf(line, "\n| %d | `%3[0-9]` |", &http, code) == 2) {
            if (n == cap)
                fail_msg("docs/API.md lists more than %zu error rows", cap);
            rows[n].http = http;
            memcpy(rows[n].code, code, sizeof(code));
            n++;
        }
    }
    free(md);
    return n;
}

static void test_table_is_complete(void **state)
{
    (void)state;
    for (int e = 0; e < E_COUNT; e++) {
        const struct apierror_info *i = apierror_info((enum mrb_apierror)e);

        if (i == NULL || i->code == NULL || i->message == NULL || i->http < 400 || i->http > 599 ||
            strlen(i->code) != 3 || i->message[0] == '\0')
            fail_msg("enum value %d has no full row in lib/apierror.c's table", e);
        for (int k = 0; k < e; k++)
            if (strcmp(apierror_info((enum mrb_apierror)k)->code, i->code) == 0)
                fail_msg("code %s is in the table twice (enum values %d and %d)", i->code, k, e);
    }
    assert_null(apierror_info(E_COUNT));
    assert_null(apierror_info((enum mrb_apierror)-1));
}

static void test_every_error_in_api_md(void **state)
{
    struct doc_row rows[64];
    size_t n = api_md_rows(rows, 64);

    (void)state;
    assert_true(n > 0);
    for (int e = 0; e < E_COUNT; e++) {
        const struct apierror_info *i = apierror_info((enum mrb_apierror)e);
        size_t k;

        for (k = 0; k < n; k++)
            if (rows[k].http == i->http && strcmp(rows[k].code, i->code) == 0)
                break;
        if (k == n)
            fail_msg("%d %s (\"%s\") is not in docs/API.md's Error codes table", i->http, i->code, i->message);
    }
}

static void test_api_md_lists_nothing_else(void **state)
{
    struct doc_row rows[64];
    size_t n = api_md_rows(rows, 64);

    (void)state;
    for (size_t k = 0; k < n; k++) {
        int e;

        for (e = 0; e < E_COUNT; e++) {
            const struct apierror_info *i = apierror_info((enum mrb_apierror)e);

            if (rows[k].http == i->http && strcmp(rows[k].code, i->code) == 0)
                break;
        }
        if (e == E_COUNT)
            fail_msg("docs/API.md lists %d %s, which lib/apierror.c's table does not have", rows[k].http,
                     rows[k].code);
    }
}

/* An error schema with this code: "code: {const: 'NNN'}" or the code in
 * a "code: {enum: [...]}" list. */
static int openapi_has_code(const char *yaml, const char *code)
{
    char want[32];

    snprintf(want, sizeof(want), "{const: '%s'}", code);
    if (strstr(yaml, want))
        return 1;
    snprintf(want, sizeof(want), "'%s'", code);
    for (const char *p = strstr(yaml, "code: {enum: ["); p; p = strstr(p + 1, "code: {enum: [")) {
        const char *close = strchr(p, ']'), *q = strstr(p, want);

        if (q && close && q < close)
            return 1;
    }
    return 0;
}

static void test_every_error_in_openapi(void **state)
{
    char *yaml = slurp("docs/openapi.yaml");

    (void)state;
    for (int e = 0; e < E_COUNT; e++) {
        const struct apierror_info *i = apierror_info((enum mrb_apierror)e);
        char status[16];

        if (!openapi_has_code(yaml, i->code))
            fail_msg("docs/openapi.yaml has no error schema with code '%s' (%s)", i->code, i->message);
        snprintf(status, sizeof(status), "'%d':", i->http);
        if (!strstr(yaml, status))
            fail_msg("docs/openapi.yaml answers no request with status %d (code %s)", i->http, i->code);
    }
    free(yaml);
}

static void test_err_set_uses_the_row(void **state)
{
    struct mrb_err err;

    (void)state;
    err_clear(&err);
    err.retry_after = 7;
    err_set(&err, E_ROOM_FULL, "seat contention, %s", "try again");
    assert_int_equal(err.http, 409);
    assert_string_equal(err.code, "107");
    assert_string_equal(err.msg, "seat contention, try again");
    assert_int_equal(err.retry_after, 0);
    err_set_code(&err, E_WRONG_KEY);
    assert_int_equal(err.http, 403);
    assert_string_equal(err.code, "106");
    assert_string_equal(err.msg, "wrong room key");
    err_set_code(&err, (enum mrb_apierror)999); /* out of range: an internal error, never a crash */
    assert_int_equal(err.http, 500);
    assert_string_equal(err.code, "500");
    err_set(NULL, E_BAD_REQUEST, "ignored"); /* best-effort callers pass NULL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_complete),
        cmocka_unit_test(test_every_error_in_api_md),
        cmocka_unit_test(test_api_md_lists_nothing_else),
        cmocka_unit_test(test_every_error_in_openapi),
        cmocka_unit_test(test_err_set_uses_the_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
