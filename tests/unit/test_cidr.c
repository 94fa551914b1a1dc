/* Unit tests for lib/cidr.c: ranges, and the client behind trusted proxies
 * (issue 19: a spoofed header from an untrusted peer, chains of proxies).
 * Cases are rows of tables; a failure names its row. */
#include "unit.h"

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
    static const struct {
        const char *name, *text;
        int rc, bits; /* bits when rc is 0 */
    } cases[] = {
        {"an IPv4 range", "10.0.0.0/8", 0, 8},
        {"an IPv4 address: /32", "192.0.2.7", 0, 32},
        {"an IPv6 address: /128", "::1", 0, 128},
        {"an IPv6 range", "2001:db8::/32", 0, 32},
        {"everything", "0.0.0.0/0", 0, 0},
        /* refused: host bits, bad prefix, not an address */
        {"host bits", "10.0.0.1/8", -1, 0},
        {"prefix over 32", "10.0.0.0/33", -1, 0},
        {"empty prefix", "10.0.0.0/", -1, 0},
        {"negative prefix", "10.0.0.0/-1", -1, 0},
        {"junk after the prefix", "10.0.0.0/8x", -1, 0},
        {"a host name", "localhost", -1, 0},
        {"empty", "", -1, 0},
        {"IPv6 host bits", "2001:db8::1/32", -1, 0},
    };
    struct cidr c;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        case_int(cases[i].name, cidr_parse(cases[i].text, &c), cases[i].rc);
        if (cases[i].rc == 0)
            case_int(cases[i].name, c.bits, cases[i].bits);
    }
}

static void test_list(void **state)
{
    static const struct {
        const char *name, *addr;
        int want;
    } cases[] = {
        {"in 10.0.0.0/8", "10.200.3.4", 1},
        {"127.0.0.1 itself", "127.0.0.1", 1},
        {"next to 127.0.0.1", "127.0.0.2", 0},
        {"::1 itself", "::1", 1},
        {"next to ::1", "::2", 0},
        {"outside 10.0.0.0/8", "11.0.0.1", 0},
        {"not an address", "garbage", 0},
        {"NULL", NULL, 0},
    };
    size_t n;
    struct cidr *l = list(" 127.0.0.1, 10.0.0.0/8  ::1,", &n);
    char bad[64];
    struct cidr *none = (struct cidr *)1;

    (void)state;
    assert_int_equal(n, 3);
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_int(cases[i].name, cidr_list_contains(l, n, cases[i].addr) != 0, cases[i].want);
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
    static const struct {
        const char *name, *remote, *xff, *want;
    } cases[] = {
        /* no proxy: the peer, whatever the header says */
        {"no proxy, no header", "198.51.100.9", NULL, "198.51.100.9"},
        {"no proxy, a header", "198.51.100.9", "203.0.113.5", "198.51.100.9"},
        {"a trusted proxy without a header: the proxy itself", "127.0.0.1", NULL, "127.0.0.1"},
        {"one proxy", "127.0.0.1", "203.0.113.5", "203.0.113.5"},
        /* 10.1.2.3 appended the client, 127.0.0.1 is the peer */
        {"two proxies", "127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"},
        {"the client forged entries on the left: the right-most untrusted wins", "127.0.0.1",
         "1.1.1.1, 8.8.8.8,203.0.113.5 ,10.1.2.3", "203.0.113.5"},
        {"a forged trusted address left of the client does not help it", "127.0.0.1", "10.9.9.9, 203.0.113.5",
         "203.0.113.5"},
        {"everything trusted: the left-most", "127.0.0.1", "10.0.0.7, 10.1.2.3", "10.0.0.7"},
        /* garbage: the last trusted hop read, never what is left of it */
        {"garbage between", "127.0.0.1", "203.0.113.5, junk, 10.1.2.3", "10.1.2.3"},
        {"garbage only", "127.0.0.1", "junk", "127.0.0.1"},
        {"an empty header", "127.0.0.1", "", "127.0.0.1"},
        {"commas and blanks only", "127.0.0.1", " , ,", "127.0.0.1"},
        /* IPv6, bracketed or not, normalised */
        {"IPv6 bracketed", "::1", "[2001:DB8::0:1]", "2001:db8::1"},
        {"IPv6 bare", "::1", "2001:db8::2, 127.0.0.1", "2001:db8::2"},
        /* a peer that is not an address (a unix socket): no client */
        {"no peer", NULL, "203.0.113.5", NULL},
        {"a unix socket peer", "unix:", "203.0.113.5", NULL},
        {"ports are not addresses", "127.0.0.1", "203.0.113.5:4444", "127.0.0.1"},
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_str(cases[i].name, client(cases[i].remote, cases[i].xff, out), cases[i].want);
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
