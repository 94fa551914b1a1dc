/* Unit tests for lib/cidr.c: ranges, and the client behind trusted proxies
 * (issue 19: a spoofed header from an untrusted peer, chains of proxies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"

static struct cidr *list(const char *text, size_t *n)
{
    struct cidr *l = NULL;
    char bad[64];

    assert_int_equal(cidr_list_parse(text, &l, n, bad, sizeof(bad)), 0);
    return l;
}

static void test_parse(void **state)
{
    struct cidr c;

    (void)state;
    assert_int_equal(cidr_parse("10.0.0.0/8", &c), 0);
    assert_int_equal(c.bits, 8);
    assert_int_equal(cidr_parse("192.0.2.7", &c), 0);
    assert_int_equal(c.bits, 32);
    assert_int_equal(cidr_parse("::1", &c), 0);
    assert_int_equal(c.bits, 128);
    assert_int_equal(cidr_parse("2001:db8::/32", &c), 0);
    assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
    /* refused: host bits, bad prefix, not an address */
    assert_int_equal(cidr_parse("10.0.0.1/8", &c), -1);
    assert_int_equal(cidr_parse("10.0.0.0/33", &c), -1);
    assert_int_equal(cidr_parse("10.0.0.0/", &c), -1);
    assert_int_equal(cidr_parse("10.0.0.0/-1", &c), -1);
    assert_int_equal(cidr_parse("10.0.0.0/8x", &c), -1);
    assert_int_equal(cidr_parse("localhost", &c), -1);
    assert_int_equal(cidr_parse("", &c), -1);
    assert_int_equal(cidr_parse("2001:db8::1/32", &c), -1);
}

static void test_list(void **state)
{
    size_t n;
    struct cidr *l = list(" 127.0.0.1, 10.0.0.0/8  ::1,", &n);
    char bad[64];
    struct cidr *none = (struct cidr *)1;

    (void)state;
    assert_int_equal(n, 3);
    assert_true(cidr_list_contains(l, n, "10.200.3.4"));
    assert_true(cidr_list_contains(l, n, "127.0.0.1"));
    assert_false(cidr_list_contains(l, n, "127.0.0.2"));
    assert_true(cidr_list_contains(l, n, "::1"));
    assert_false(cidr_list_contains(l, n, "::2"));
    assert_false(cidr_list_contains(l, n, "11.0.0.1"));
    assert_false(cidr_list_contains(l, n, "garbage"));
    assert_false(cidr_list_contains(l, n, NULL));
    free(l);
    assert_int_equal(cidr_list_parse("10.0.0.0/8, 300.1.1.1", &none, &n, bad, sizeof(bad)), -1);
    assert_null(none);
    assert_string_equal(bad, "300.1.1.1");
    l = list("", &n);
    assert_int_equal(n, 0);
    assert_null(l);
}

/* client(remote, xff) with trusted = 127.0.0.1, 10.0.0.0/8, ::1 */
static const char *client(const char *remote, const char *xff, char *out)
{
    size_t n;
    struct cidr *l = list("127.0.0.1 10.0.0.0/8 ::1", &n);
    const char *r = cidr_client(remote, xff, l, n, out, 64);

    free(l);
    return r;
}

static void test_client(void **state)
{
    char out[64];

    (void)state;
    /* no proxy: the peer, whatever the header says */
    assert_string_equal(client("198.51.100.9", NULL, out), "198.51.100.9");
    assert_string_equal(client("198.51.100.9", "203.0.113.5", out), "198.51.100.9");
    /* a trusted proxy without a header: the proxy itself */
    assert_string_equal(client("127.0.0.1", NULL, out), "127.0.0.1");
    /* one proxy */
    assert_string_equal(client("127.0.0.1", "203.0.113.5", out), "203.0.113.5");
    /* two proxies: 10.1.2.3 appended the client, 127.0.0.1 is the peer */
    assert_string_equal(client("127.0.0.1", "203.0.113.5, 10.1.2.3", out), "203.0.113.5");
    /* the client forged entries on the left: the right-most untrusted wins */
    assert_string_equal(client("127.0.0.1", "1.1.1.1, 8.8.8.8,203.0.113.5 ,10.1.2.3", out), "203.0.113.5");
    /* a forged "trusted" address left of the client does not help it */
    assert_string_equal(client("127.0.0.1", "10.9.9.9, 203.0.113.5", out), "203.0.113.5");
    /* everything trusted: the left-most */
    assert_string_equal(client("127.0.0.1", "10.0.0.7, 10.1.2.3", out), "10.0.0.7");
    /* garbage: the last trusted hop read, never what is left of it */
    assert_string_equal(client("127.0.0.1", "203.0.113.5, junk, 10.1.2.3", out), "10.1.2.3");
    assert_string_equal(client("127.0.0.1", "junk", out), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "", out), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", " , ,", out), "127.0.0.1");
    /* IPv6, bracketed or not, normalised */
    assert_string_equal(client("::1", "[2001:DB8::0:1]", out), "2001:db8::1");
    assert_string_equal(client("::1", "2001:db8::2, 127.0.0.1", out), "2001:db8::2");
    /* a peer that is not an address (a unix socket): no client */
    assert_null(client(NULL, "203.0.113.5", out));
    assert_null(client("unix:", "203.0.113.5", out));
    /* ports are not addresses */
    assert_string_equal(client("127.0.0.1", "203.0.113.5:4444", out), "127.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_client),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
