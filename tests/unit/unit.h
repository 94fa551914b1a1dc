/* What the unit tests (tests/unit/test_*.c) share. Each test is its own
 * binary built from one .c file, so everything here is a macro or a static
 * inline function.
 *
 * Cases are tables, {name, input..., want...}, looped over. The case_*
 * checks take the case's name and start every failure message with it, so
 * that a failing row names itself (as kcgi's regress/ names each case by its
 * file):
 *
 *     ERROR: a mix: score_compute(&c, &in, NOW) = 23.650000000000, expected 23.660000000000
 *
 * (cmocka stops a test function at its first failure: the rows after it do
 * not run.)
 *
 * For configurations: MIN_CONF (the smallest that validates) and conf_ok(),
 * which loads a text that must be accepted. unit_temp_file() writes a file
 * that a configuration names (an RS256 public key). */
#ifndef MRB_TESTS_UNIT_H
#define MRB_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

/* The number of rows of a table (an array, not a pointer). */
#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/* A failure reported at file:line: for helper functions, the line of their
 * caller (see conf_ok()). */
static inline void unit_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void unit_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_error("ERROR: ");
    vprint_error(fmt, ap);
    print_error("\n");
    va_end(ap);
    _fail(file, line);
}

#define UNIT_STR(s) ((s) != NULL ? (s) : "(null)")

/* ---- checks that name their case ---- */

#define case_int(name, actual, want)                                                                        \
    do {                                                                                                    \
        long long act_ = (long long)(actual), want_ = (long long)(want);                                    \
        if (act_ != want_)                                                                                  \
            fail_msg("%s: %s = %lld, expected %lld", (name), #actual, act_, want_);                         \
    } while (0)

/* want NULL: actual must be NULL too. */
#define case_str(name, actual, want)                                                                        \
    do {                                                                                                    \
        const char *act_ = (actual), *want_ = (want);                                                       \
        if (act_ == NULL || want_ == NULL ? act_ != want_ : strcmp(act_, want_) != 0)                       \
            fail_msg("%s: %s = '%s', expected '%s'", (name), #actual, UNIT_STR(act_), UNIT_STR(want_));     \
    } while (0)

#define case_mem(name, actual, want, n)                                                                     \
    do {                                                                                                    \
        if (memcmp((actual), (want), (n)) != 0)                                                             \
            fail_msg("%s: the %zu bytes of %s differ from %s", (name), (size_t)(n), #actual, #want);        \
    } while (0)

#define case_true(name, cond)                                                                               \
    do {                                                                                                    \
        if (!(cond))                                                                                        \
            fail_msg("%s: %s is false", (name), #cond);                                                     \
    } while (0)

#define case_false(name, cond)                                                                              \
    do {                                                                                                    \
        if (cond)                                                                                           \
            fail_msg("%s: %s is true", (name), #cond);                                                      \
    } while (0)

/* Doubles to 1e-9 (cmocka 1.1.5 has no assert_double_equal). */
#define EPS 1e-9
#define case_close(name, actual, want)                                                                      \
    do {                                                                                                    \
        double act_ = (actual), want_ = (want), d_ = act_ - want_;                                          \
        if (!((d_ < 0 ? -d_ : d_) <= EPS))                                                                  \
            fail_msg("%s: %s = %.12f, expected %.12f", (name), #actual, act_, want_);                       \
    } while (0)

/* The same outside a table: the expression is the name. */
#define assert_close(actual, expected)                                                                      \
    do {                                                                                                    \
        double act_ = (actual), exp_ = (expected), d_ = act_ - exp_;                                        \
        if (!((d_ < 0 ? -d_ : d_) <= EPS))                                                                  \
            fail_msg("%s = %.12f, expected %.12f", #actual, act_, exp_);                                    \
    } while (0)

/* Parts of a message (an error text, an output). */
#define case_contains(name, hay, needle)                                                                    \
    do {                                                                                                    \
        const char *hay_ = (hay), *needle_ = (needle);                                                      \
        if (strstr(hay_, needle_) == NULL)                                                                  \
            fail_msg("%s: '%s' does not contain '%s'", (name), hay_, needle_);                              \
    } while (0)

#define case_lacks(name, hay, needle)                                                                       \
    do {                                                                                                    \
        const char *hay_ = (hay), *needle_ = (needle);                                                      \
        if (strstr(hay_, needle_) != NULL)                                                                  \
            fail_msg("%s: '%s' contains '%s'", (name), hay_, needle_);                                      \
    } while (0)

#define case_starts(name, hay, prefix)                                                                      \
    do {                                                                                                    \
        const char *hay_ = (hay), *prefix_ = (prefix);                                                      \
        if (strncmp(hay_, prefix_, strlen(prefix_)) != 0)                                                   \
            fail_msg("%s: '%s' does not start with '%s'", (name), hay_, prefix_);                           \
    } while (0)

/* ---- configurations ---- */

#define SECRET32 "0123456789abcdef0123456789abcdef" /* exactly 32 bytes */

/* The smallest configuration that validates: 8 lines, so that the first
 * line added after it is line 9. */
#define MIN_CONF                                                                                            \
    "[db]\n"                      /* 1 */                                                                   \
    "user = mrb\n"                /* 2 */                                                                   \
    "database = mrb\n"            /* 3 */                                                                   \
    "[auth]\n"                    /* 4 */                                                                   \
    "jwt_secret = " SECRET32 "\n" /* 5 */                                                                   \
    "[webhook]\n"                 /* 6 */                                                                   \
    "user = janus\n"              /* 7 */                                                                   \
    "password = hook-pw-1234\n"   /* 8 */

/* Loads text, named "t.conf", into *c; the case fails (at the caller's
 * line) when it is refused. *c starts as garbage: the load must not trust
 * it. The caller conf_free()s. */
#define conf_ok(name, text, c) unit_conf_ok((name), (text), (c), __FILE__, __LINE__)
static inline void unit_conf_ok(const char *name, const char *text, struct mrb_conf *c, const char *file, int line)
{
    char errbuf[256] = "";

    memset(c, 0x5a, sizeof(*c));
    if (conf_load_string(text, "t.conf", c, errbuf, sizeof(errbuf)) != 0)
        unit_fail_at(file, line, "%s: configuration refused: %s\n--- text:\n%s", name, errbuf, text);
}

/* Writes len bytes to a new file made from path, mkstemp()'s template
 * ("...XXXXXX", rewritten to the file's name). 0, or -1 with nothing left
 * behind. The caller unlinks it. */
static inline int unit_temp_file(char *path, const void *data, size_t len)
{
    int fd = mkstemp(path);

    if (fd < 0)
        return -1;
    if (write(fd, data, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        return -1;
    }
    return close(fd);
}

#endif
