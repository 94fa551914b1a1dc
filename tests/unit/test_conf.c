/* Unit tests for lib/conf.c: conf_load_string(), conf_load(),
 * conf_default_path(), conf_free(). Run from the repository root (make unit)
 * so that conf/mrb.dev.conf is found. */
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

#define EPS 1e-9
#define assert_close(actual, expected)                                                                      \
    do {                                                                                                    \
        double act_ = (actual), exp_ = (expected), d_ = act_ - exp_;                                         \
        if (!((d_ < 0 ? -d_ : d_) <= EPS))                                                                  \
            fail_msg("%s = %.12f, expected %.12f", #actual, act_, exp_);                                    \
    } while (0)

#define SECRET32 "0123456789abcdef0123456789abcdef" /* exactly 32 bytes */

/* The smallest configuration that validates: 8 lines. */
#define MIN_CONF                                                                                            \
    "[db]\n"                    /* 1 */                                                             \
    "user = mrb\n"              /* 2 */                                                             \
    "database = mrb\n"          /* 3 */                                                             \
    "[auth]\n"                  /* 4 */                                                             \
    "jwt_secret = " SECRET32 "\n" /* 5 */                                                           \
    "[webhook]\n"               /* 6 */                                                             \
    "user = janus\n"            /* 7 */                                                             \
    "password = pw\n"           /* 8 */

/* Like conf/mrb.dev.conf, with every key set to a non-default value. */
static const char full_conf[] =
    "# comment\n"
    "[db]\n"
    "host = db.example\n"
    "port = 3307\n"
    "user = mrbuser\n"
    "password = dbpw\n"
    "database = mrbdb\n"
    "socket = /run/mysqld/mysqld.sock\n"
    "\n"
    "[auth]\n"
    "jwt_alg = HS256\n"
    "jwt_secret = " SECRET32 "-longer\n"
    "jwt_issuer = issuer-x\n"
    "jwt_audience = aud-y\n"
    "jwt_leeway = 45\n"
    "host_claim = grp\n"
    "host_value = teacher\n"
    "admin_value = root\n"
    "\n"
    "[webhook]\n"
    "user = hookuser\n"
    "password = hookpw\n"
    "\n"
    "[turn]\n"
    "urls = turn:10.0.0.1:3478?transport=udp, turn:10.0.0.1:3478?transport=tcp,turns:t.example:5349\n"
    "stun_urls = stun:10.0.0.1:3478\n"
    "secret = turnsecret\n"
    "realm = example.org\n"
    "credential_ttl = 600\n"
    "\n"
    "[rooms]\n"
    "default_ttl = 1800\n"
    "max_ttl = 7200\n"
    "default_max_participants = 3\n"
    "max_participants = 12\n"
    "token_max_ttl = 900\n"
    "\n"
    "[janus]\n"
    "admin_key = akey\n"
    "connect_timeout_ms = 500\n"
    "timeout_ms = 2500\n"
    "\n"
    "[score]\n"
    "cpu = 1.5\n"
    "mem = 2\n"
    "sessions = 3\n"
    "handles = 4\n"
    "sockets = 5\n"
    "fallback = 9999\n"
    "\n"
    "[health]\n"
    "interval = 7\n"
    "\n"
    "[server janus-a]\n"
    "public_url = http://127.0.0.1:8188/janus\n"
    "admin_url = http://127.0.0.1:7188/admin\n"
    "admin_secret = asec-a\n"
    "token_secret = tsec-a\n"
    "metrics_url = http://127.0.0.1:9100/metrics\n"
    "weight = 2.5\n"
    "enabled = false\n"
    "\n"
    "[server janus_b.2]\n"
    "public_url = https://b.example/janus\n"
    "admin_url = https://b.example/admin\n"
    "admin_secret = asec-b\n"
    "token_secret = tsec-b\n";

/* Loads text that must fail; returns the message. */
static const char *load_fail(const char *text, char *errbuf, size_t errlen)
{
    struct mrb_conf c;
    int rc;

    memset(&c, 0x5a, sizeof(c)); /* garbage in: load must not trust it */
    snprintf(errbuf, errlen, "(untouched)");
    rc = conf_load_string(text, "t.conf", &c, errbuf, errlen);
    if (rc != -1)
        fail_msg("expected -1, got %d for:\n%s", rc, text);
    /* left freed: zeroed, and freeing again is harmless */
    assert_null(c.path);
    assert_null(c.servers);
    assert_int_equal(c.n_servers, 0);
    assert_int_equal(c.turn.n_urls, 0);
    conf_free(&c);
    return errbuf;
}

static void load_ok(const char *text, struct mrb_conf *c)
{
    char errbuf[256] = "";

    memset(c, 0x5a, sizeof(*c));
    if (conf_load_string(text, "t.conf", c, errbuf, sizeof(errbuf)) != 0)
        fail_msg("conf_load_string failed: %s\n--- text:\n%s", errbuf, text);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

static void assert_starts(const char *hay, const char *prefix)
{
    if (strncmp(hay, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", hay, prefix);
}

/* MIN_CONF plus extra lines: the first extra line is line 9. */
static char *with_extra(const char *extra)
{
    size_t n = strlen(MIN_CONF) + strlen(extra) + 1;
    char *s = malloc(n);

    assert_non_null(s);
    snprintf(s, n, "%s%s", MIN_CONF, extra);
    return s;
}

static void test_full_config(void **state)
{
    struct mrb_conf c;

    (void)state;
    load_ok(full_conf, &c);
    assert_string_equal(c.path, "t.conf");
    assert_string_equal(c.db.host, "db.example");
    assert_int_equal(c.db.port, 3307);
    assert_string_equal(c.db.user, "mrbuser");
    assert_string_equal(c.db.password, "dbpw");
    assert_string_equal(c.db.database, "mrbdb");
    assert_string_equal(c.db.socket, "/run/mysqld/mysqld.sock");

    assert_int_equal(c.auth.alg, CONF_JWT_HS256);
    assert_string_equal(c.auth.secret, SECRET32 "-longer");
    assert_null(c.auth.public_key_path);
    assert_null(c.auth.public_key);
    assert_string_equal(c.auth.issuer, "issuer-x");
    assert_string_equal(c.auth.audience, "aud-y");
    assert_int_equal(c.auth.leeway, 45);
    assert_string_equal(c.auth.host_claim, "grp");
    assert_string_equal(c.auth.host_value, "teacher");
    assert_string_equal(c.auth.admin_value, "root");

    assert_string_equal(c.webhook.user, "hookuser");
    assert_string_equal(c.webhook.password, "hookpw");

    assert_int_equal(c.turn.n_urls, 3);
    assert_string_equal(c.turn.urls[0], "turn:10.0.0.1:3478?transport=udp");
    assert_string_equal(c.turn.urls[1], "turn:10.0.0.1:3478?transport=tcp");
    assert_string_equal(c.turn.urls[2], "turns:t.example:5349");
    assert_int_equal(c.turn.n_stun_urls, 1);
    assert_string_equal(c.turn.stun_urls[0], "stun:10.0.0.1:3478");
    assert_string_equal(c.turn.secret, "turnsecret");
    assert_null(c.turn.username);
    assert_null(c.turn.credential);
    assert_int_equal(c.turn.credential_ttl, 600);

    assert_int_equal(c.rooms.default_ttl, 1800);
    assert_int_equal(c.rooms.max_ttl, 7200);
    assert_int_equal(c.rooms.default_max_participants, 3);
    assert_int_equal(c.rooms.max_participants, 12);
    assert_int_equal(c.rooms.token_max_ttl, 900);

    assert_string_equal(c.janus.admin_key, "akey");
    assert_int_equal(c.janus.connect_timeout_ms, 500);
    assert_int_equal(c.janus.timeout_ms, 2500);

    assert_close(c.score.cpu, 1.5);
    assert_close(c.score.mem, 2);
    assert_close(c.score.sessions, 3);
    assert_close(c.score.handles, 4);
    assert_close(c.score.sockets, 5);
    assert_close(c.score.fallback, 9999);
    assert_int_equal(c.score.interval, 7);

    assert_int_equal(c.n_servers, 2);
    assert_string_equal(c.servers[0].name, "janus-a");
    assert_string_equal(c.servers[0].public_url, "http://127.0.0.1:8188/janus");
    assert_string_equal(c.servers[0].admin_url, "http://127.0.0.1:7188/admin");
    assert_string_equal(c.servers[0].admin_secret, "asec-a");
    assert_string_equal(c.servers[0].token_secret, "tsec-a");
    assert_string_equal(c.servers[0].metrics_url, "http://127.0.0.1:9100/metrics");
    assert_close(c.servers[0].weight, 2.5);
    assert_int_equal(c.servers[0].enabled, 0);

    assert_string_equal(c.servers[1].name, "janus_b.2");
    assert_string_equal(c.servers[1].public_url, "https://b.example/janus");
    assert_string_equal(c.servers[1].admin_url, "https://b.example/admin");
    assert_string_equal(c.servers[1].admin_secret, "asec-b");
    assert_string_equal(c.servers[1].token_secret, "tsec-b");
    assert_null(c.servers[1].metrics_url);
    assert_close(c.servers[1].weight, 1.0); /* default */
    assert_int_equal(c.servers[1].enabled, 1); /* default */

    conf_free(&c);
    /* conf_free zeroes: a second call is harmless */
    assert_null(c.db.host);
    assert_int_equal(c.n_servers, 0);
    conf_free(&c);
}

static void test_defaults(void **state)
{
    struct mrb_conf c;

    (void)state;
    load_ok(MIN_CONF, &c);
    assert_null(c.db.host);
    assert_int_equal(c.db.port, 3306);
    assert_null(c.db.password);
    assert_null(c.db.socket);
    assert_int_equal(c.auth.alg, CONF_JWT_HS256);
    assert_null(c.auth.issuer);
    assert_null(c.auth.audience);
    assert_int_equal(c.auth.leeway, 30);
    assert_string_equal(c.auth.host_claim, "role");
    assert_string_equal(c.auth.host_value, "host");
    assert_string_equal(c.auth.admin_value, "admin");
    assert_int_equal(c.turn.n_urls, 0);
    assert_int_equal(c.turn.n_stun_urls, 0);
    assert_null(c.turn.secret);
    assert_int_equal(c.turn.credential_ttl, 86400);
    assert_int_equal(c.rooms.default_ttl, 3600);
    assert_int_equal(c.rooms.max_ttl, 86400);
    assert_int_equal(c.rooms.default_max_participants, 2);
    assert_int_equal(c.rooms.max_participants, 16);
    assert_int_equal(c.rooms.token_max_ttl, 3600);
    assert_null(c.janus.admin_key);
    assert_int_equal(c.janus.connect_timeout_ms, 1000);
    assert_int_equal(c.janus.timeout_ms, 2000); /* "moves to the next server within 2 s" */
    assert_int_equal(c.limits.room_failures, 10);
    assert_int_equal(c.limits.client_failures, 30);
    assert_int_equal(c.limits.window, 600);
    assert_close(c.score.cpu, 35);
    assert_close(c.score.mem, 20);
    assert_close(c.score.sessions, 5);
    assert_close(c.score.handles, 10);
    assert_close(c.score.sockets, 30);
    assert_close(c.score.fallback, 4555);
    assert_int_equal(c.score.interval, 5);
    assert_int_equal(c.n_servers, 0);
    assert_null(c.servers);
    conf_free(&c);
}

static void test_turn_url_lists(void **state)
{
    struct mrb_conf c;
    char errbuf[256];
    char *t;

    (void)state;
    /* separators: commas and/or spaces, empty items skipped */
    t = with_extra("[turn]\nurls = ,turn:a, ,turns:b,,turn:c ,\nsecret = s\nstun_urls = stun:x stuns:y\n");
    load_ok(t, &c);
    assert_int_equal(c.turn.n_urls, 3);
    assert_string_equal(c.turn.urls[0], "turn:a");
    assert_string_equal(c.turn.urls[1], "turns:b");
    assert_string_equal(c.turn.urls[2], "turn:c");
    assert_int_equal(c.turn.n_stun_urls, 2);
    assert_string_equal(c.turn.stun_urls[0], "stun:x");
    assert_string_equal(c.turn.stun_urls[1], "stuns:y");
    conf_free(&c);
    free(t);

    /* a repeated key (or an indented continuation line) appends to the list */
    t = with_extra("[turn]\nurls = turn:a,turn:b,turn:c\nurls = turn:d\nsecret = s\n");
    load_ok(t, &c);
    assert_int_equal(c.turn.n_urls, 4);
    assert_string_equal(c.turn.urls[3], "turn:d");
    conf_free(&c);
    free(t);

    /* exactly 8 accepted, 9 refused */
    t = with_extra("[turn]\nurls = turn:1,turn:2,turn:3,turn:4,turn:5,turn:6,turn:7,turn:8\nsecret = s\n");
    load_ok(t, &c);
    assert_int_equal(c.turn.n_urls, CONF_MAX_URLS);
    assert_string_equal(c.turn.urls[7], "turn:8");
    conf_free(&c);
    free(t);
    t = with_extra("[turn]\nurls = u1,u2,u3,u4,u5,u6,u7,u8,u9\nsecret = s\n");
    assert_starts(load_fail(t, errbuf, sizeof(errbuf)), "t.conf:10: ");
    assert_contains(errbuf, "at most 8");
    free(t);

    /* only turn:/turns: (and stun:/stuns:) URLs: a typo is not handed to browsers */
    t = with_extra("[turn]\nurls = turn:a, http://b\nsecret = s\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "'http://b' is not a turn: or turns: URL");
    free(t);
    t = with_extra("[turn]\nstun_urls = turn:a\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "'turn:a' is not a stun: or stuns: URL");
    free(t);

    /* TURN URLs need credentials: REST secret, or static username+credential */
    t = with_extra("[turn]\nurls = turn:x\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "[turn]");
    free(t);
    t = with_extra("[turn]\nurls = turn:x\nusername = u\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "[turn]");
    free(t);
    t = with_extra("[turn]\nurls = turn:x\nusername = u\ncredential = c\n");
    load_ok(t, &c);
    assert_string_equal(c.turn.username, "u");
    assert_string_equal(c.turn.credential, "c");
    conf_free(&c);
    free(t);
}

/* [db] hosts: the ordered node list, parsed into c.db.nodes. */
static void test_db_hosts(void **state)
{
    struct mrb_conf c;
    char errbuf[256];
    char *t;

    (void)state;
    /* without hosts: one node from host and port */
    load_ok(MIN_CONF, &c);
    assert_int_equal(c.db.n_nodes, 1);
    assert_string_equal(c.db.nodes[0].host, "");
    assert_int_equal(c.db.nodes[0].port, 3306);
    assert_int_equal(c.db.connect_timeout_ms, 2000);
    assert_int_equal(c.db.failback_s, 60);
    conf_free(&c);

    /* order kept; the port defaults to [db] port; commas and blanks; [v6] */
    t = with_extra("[db]\nport = 3400\nhosts = 10.0.0.2:4317, 10.0.0.1 ,[::1]:4327\nfailback_s = 0\n");
    load_ok(t, &c);
    assert_int_equal(c.db.n_nodes, 3);
    assert_string_equal(c.db.nodes[0].host, "10.0.0.2");
    assert_int_equal(c.db.nodes[0].port, 4317);
    assert_string_equal(c.db.nodes[1].host, "10.0.0.1");
    assert_int_equal(c.db.nodes[1].port, 3400);
    assert_string_equal(c.db.nodes[2].host, "::1");
    assert_int_equal(c.db.nodes[2].port, 4327);
    assert_int_equal(c.db.failback_s, 0);
    conf_free(&c);
    free(t);

    /* refused: a bad port, a bare v6 address, too many nodes, nothing at all */
    const char *bad[] = {"[db]\nhosts = a:0\n", "[db]\nhosts = a:99999\n", "[db]\nhosts = a:x\n",
                         "[db]\nhosts = ::1:3306\n", "[db]\nhosts = [::1\n", "[db]\nhosts = , ,\n",
                         "[db]\nhosts = a,b,c,d,e,f,g,h,i\n", "[db]\nconnect_timeout_ms = 50\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = with_extra(bad[i]);
        assert_starts(load_fail(t, errbuf, sizeof(errbuf)), "t.conf");
        free(t);
    }
    t = with_extra("[db]\nhosts = a:x\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "'a:x' is not host:port");
    free(t);
}

static void test_unknown_key_line(void **state)
{
    char errbuf[256];
    char *t;

    (void)state;
    /* [db] on line 9, bogus on line 10 */
    t = with_extra("[db]\nbogus = 1\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_string_equal(errbuf, "t.conf:10: unknown key 'bogus' in [db]");
    free(t);

    /* on line 3 of MIN_CONF's shape */
    load_fail("[db]\n"
              "user = mrb\n"
              "databse = mrb\n"
              "[auth]\n"
              "jwt_secret = " SECRET32 "\n"
              "[webhook]\n"
              "user = janus\n"
              "password = pw\n",
              errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:3: unknown key");
    assert_contains(errbuf, "databse");

    /* unknown section */
    t = with_extra("\n\n[nosuch]\nkey = v\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:12: unknown key");
    assert_contains(errbuf, "nosuch");
    free(t);

    /* key valid in another section only */
    t = with_extra("[janus]\ninterval = 5\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:10: unknown key 'interval'");
    free(t);

    /* the first of several errors is reported */
    t = with_extra("[db]\nfirst = 1\nsecond = 2\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:10: unknown key 'first'");
    free(t);

    /* unknown key in a server section names the server */
    t = with_extra("[server s1]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = x\n"
                   "token_secret = y\ntoken_secrte = z\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:14: unknown key 'token_secrte'");
    assert_contains(errbuf, "s1");
    free(t);

    /* a line that is not key = value */
    t = with_extra("[db]\njust words\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf:10: ");
    free(t);
}

static void test_bad_numbers(void **state)
{
    static const struct {
        const char *extra, *key;
    } cases[] = {
        {"[db]\nport = abc\n", "port"},
        {"[db]\nport = 12x\n", "port"},
        {"[db]\nport = 1.5\n", "port"},
        {"[db]\nport = 0x10\n", "port"},
        {"[db]\nport =\n", "port"},
        {"[db]\nport = 99999999999999999999999\n", "port"},
        {"[auth]\njwt_leeway = ten\n", "jwt_leeway"},
        {"[rooms]\ntoken_max_ttl = 1h\n", "token_max_ttl"},
        {"[score]\ncpu = lots\n", "cpu"},
        {"[score]\nmem = nan\n", "mem"},
        {"[score]\nsockets = 1e\n", "sockets"},
        {"[health]\ninterval = 5s\n", "interval"},
    };
    char errbuf[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = with_extra(cases[i].extra);
        load_fail(t, errbuf, sizeof(errbuf));
        assert_starts(errbuf, "t.conf:10: ");
        assert_contains(errbuf, cases[i].key);
        free(t);
    }
}

static void test_out_of_range(void **state)
{
    static const struct {
        const char *extra, *key;
    } bad[] = {
        {"[db]\nport = 65536\n", "port"},
        {"[db]\nport = -1\n", "port"},
        {"[auth]\njwt_leeway = 3601\n", "jwt_leeway"},
        {"[auth]\njwt_leeway = -1\n", "jwt_leeway"},
        {"[turn]\ncredential_ttl = 59\n", "credential_ttl"},
        {"[rooms]\nmax_participants = 1\n", "max_participants"},
        {"[rooms]\nmax_participants = 10001\n", "max_participants"},
        {"[rooms]\ntoken_max_ttl = 59\n", "token_max_ttl"},
        {"[rooms]\ndefault_ttl = 9\n", "default_ttl"},
        {"[janus]\ntimeout_ms = 0\n", "timeout_ms"},
        {"[janus]\nconnect_timeout_ms = 60001\n", "connect_timeout_ms"},
        {"[score]\ncpu = -0.5\n", "cpu"},
        {"[score]\nhandles = 1000.5\n", "handles"},
        {"[score]\nfallback = inf\n", "fallback"},
        {"[health]\ninterval = 0\n", "interval"},
        {"[health]\ninterval = 61\n", "interval"},
    };
    static const char *good[] = {
        "[db]\nport = 65535\n",       "[db]\nport = 0\n",           "[auth]\njwt_leeway = 0\n",
        "[auth]\njwt_leeway = 3600\n", "[health]\ninterval = 1\n",   "[health]\ninterval = 60\n",
        "[score]\ncpu = 0\n",         "[score]\ncpu = 1000\n",      "[turn]\ncredential_ttl = 60\n",
    };
    char errbuf[256];
    struct mrb_conf c;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = with_extra(bad[i].extra);
        load_fail(t, errbuf, sizeof(errbuf));
        assert_starts(errbuf, "t.conf:10: ");
        assert_contains(errbuf, bad[i].key);
        free(t);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *t = with_extra(good[i]);
        load_ok(t, &c);
        conf_free(&c);
        free(t);
    }
    /* the range is stated */
    {
        char *t = with_extra("[db]\nport = 65536\n");
        assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "0..65535");
        free(t);
    }
}

static void test_cross_key_rules(void **state)
{
    char errbuf[256];
    char *t;

    (void)state;
    t = with_extra("[rooms]\ndefault_ttl = 7200\nmax_ttl = 3600\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "default_ttl");
    free(t);
    t = with_extra("[rooms]\ndefault_max_participants = 8\nmax_participants = 4\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "default_max_participants");
    free(t);

    /* required sections */
    load_fail("[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\npassword = p\n", errbuf, sizeof(errbuf));
    assert_contains(errbuf, "[db]");
    load_fail("[db]\nuser = u\ndatabase = d\n[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\n", errbuf,
              sizeof(errbuf));
    assert_contains(errbuf, "[webhook]");
    /* an empty value is absent */
    load_fail("[db]\nuser = u\ndatabase =\n[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\npassword = p\n",
              errbuf, sizeof(errbuf));
    assert_contains(errbuf, "[db]");
    /* empty file */
    load_fail("", errbuf, sizeof(errbuf));
    assert_starts(errbuf, "t.conf: ");
}

static void test_jwt_alg(void **state)
{
    static const char *bad[] = {"none", "hs256", "HS512", "RS384", "", "HS256 x"};
    char errbuf[256], extra[128];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t;
        snprintf(extra, sizeof(extra), "[auth]\njwt_alg = %s\n", bad[i]);
        t = with_extra(extra);
        load_fail(t, errbuf, sizeof(errbuf));
        assert_starts(errbuf, "t.conf:10: ");
        assert_contains(errbuf, "jwt_alg");
        free(t);
    }
}

static void test_jwt_secret_rules(void **state)
{
    char errbuf[256];
    struct mrb_conf c;
    const char *base = "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = p\n";
    char text[512];

    (void)state;
    /* missing */
    load_fail(base, errbuf, sizeof(errbuf));
    assert_contains(errbuf, "jwt_secret");
    /* empty */
    snprintf(text, sizeof(text), "%s[auth]\njwt_secret =\n", base);
    assert_contains(load_fail(text, errbuf, sizeof(errbuf)), "jwt_secret");
    /* 31 bytes */
    snprintf(text, sizeof(text), "%s[auth]\njwt_secret = 0123456789abcdef0123456789abcde\n", base);
    assert_contains(load_fail(text, errbuf, sizeof(errbuf)), "jwt_secret");
    assert_contains(errbuf, "32");
    /* the secret itself never appears in the message */
    assert_null(strstr(errbuf, "0123456789abcdef0123456789abcde"));
    /* 32 bytes: fine */
    snprintf(text, sizeof(text), "%s[auth]\njwt_secret = " SECRET32 "\n", base);
    load_ok(text, &c);
    assert_string_equal(c.auth.secret, SECRET32);
    conf_free(&c);
    /* explicit HS256 still requires it */
    snprintf(text, sizeof(text), "%s[auth]\njwt_alg = HS256\n", base);
    assert_contains(load_fail(text, errbuf, sizeof(errbuf)), "jwt_secret");
    /* RS256 needs a public key file, not a secret */
    snprintf(text, sizeof(text), "%s[auth]\njwt_alg = RS256\njwt_secret = " SECRET32 "\n", base);
    assert_contains(load_fail(text, errbuf, sizeof(errbuf)), "jwt_public_key");
    snprintf(text, sizeof(text), "%s[auth]\njwt_alg = RS256\njwt_public_key = /nonexistent/mrb-test.pem\n", base);
    assert_contains(load_fail(text, errbuf, sizeof(errbuf)), "cannot read");
}

static void test_rs256_public_key_loaded(void **state)
{
    static const char pem[] = "-----BEGIN PUBLIC KEY-----\nnot really a key, only bytes\n-----END PUBLIC KEY-----\n";
    char path[] = "/tmp/mrb-test-conf-XXXXXX";
    char text[512], errbuf[256];
    struct mrb_conf c;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pem, sizeof(pem) - 1), (ssize_t)(sizeof(pem) - 1));
    close(fd);
    snprintf(text, sizeof(text),
             "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = p\n"
             "[auth]\njwt_alg = RS256\njwt_public_key = %s\n",
             path);
    if (conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)) != 0) {
        unlink(path);
        fail_msg("RS256 config refused: %s", errbuf);
    }
    unlink(path);
    assert_int_equal(c.auth.alg, CONF_JWT_RS256);
    assert_string_equal(c.auth.public_key_path, path);
    assert_int_equal(c.auth.public_key_len, sizeof(pem) - 1);
    assert_memory_equal(c.auth.public_key, pem, sizeof(pem) - 1);
    assert_null(c.auth.secret);
    conf_free(&c);
}

static void test_servers(void **state)
{
    char errbuf[256];
    struct mrb_conf c;
    char *t;
    const char *srv_ok = "public_url = http://a/\nadmin_url = http://a/admin\nadmin_secret = x\ntoken_secret = y\n";

    (void)state;
    /* missing token_secret: names the server */
    t = with_extra("[server alpha]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = x\n");
    load_fail(t, errbuf, sizeof(errbuf));
    assert_contains(errbuf, "[server alpha]");
    assert_contains(errbuf, "token_secret");
    free(t);
    /* missing public_url */
    t = with_extra("[server beta]\nadmin_url = http://a/\nadmin_secret = x\ntoken_secret = y\n");
    assert_contains(load_fail(t, errbuf, sizeof(errbuf)), "[server beta]");
    free(t);

    /* bad names */
    {
        static const char *names[] = {"", "bad/name", "a b", "\xea\xb0\x80", "x;y", "x$", "x:y"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            char extra[512];
            snprintf(extra, sizeof(extra), "[server %s]\n%s", names[i], srv_ok);
            t = with_extra(extra);
            load_fail(t, errbuf, sizeof(errbuf));
            assert_starts(errbuf, "t.conf:10: ");
            assert_contains(errbuf, "bad server name");
            free(t);
        }
    }
    /* a 40-character name: the longest accepted (see test_server_long_names) */
    {
        char extra[512];
        snprintf(extra, sizeof(extra), "[server %s]\n%s", "janus-production-eu-west-1-az-a-node-001", srv_ok);
        t = with_extra(extra);
        load_ok(t, &c);
        assert_int_equal(c.n_servers, 1);
        assert_string_equal(c.servers[0].name, "janus-production-eu-west-1-az-a-node-001");
        conf_free(&c);
        free(t);
    }

    /* URLs must be http(s) */
    {
        static const char *lines[] = {
            "public_url = ws://a/janus\n",  "admin_url = ftp://a/admin\n", "metrics_url = file:///etc/passwd\n",
            "public_url = a.example/janus\n", "admin_url = HTTP//a\n",
        };
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
            char extra[512];
            snprintf(extra, sizeof(extra), "[server s]\n%s", lines[i]);
            t = with_extra(extra);
            load_fail(t, errbuf, sizeof(errbuf));
            assert_starts(errbuf, "t.conf:10: ");
            assert_contains(errbuf, "http");
            free(t);
        }
    }

    /* weight and enabled */
    {
        static const char *bad[] = {"weight = 0\n", "weight = -1\n",  "weight = 1000.5\n",
                                    "weight = x\n", "weight = nan\n", "enabled = yes\n", "enabled = 2\n"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char extra[512];
            snprintf(extra, sizeof(extra), "[server s]\n%s", bad[i]);
            t = with_extra(extra);
            load_fail(t, errbuf, sizeof(errbuf));
            assert_starts(errbuf, "t.conf:10: ");
            free(t);
        }
        t = with_extra("[server s]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = x\n"
                       "token_secret = y\nweight = 1000\nenabled = 0\n"
                       "[server t]\npublic_url = http://b/\nadmin_url = http://b/\nadmin_secret = x2\n"
                       "token_secret = y2\nweight = 0.01\nenabled = 1\n"
                       /* a section repeated later extends the same server */
                       "[server s]\nenabled = true\n");
        load_ok(t, &c);
        assert_int_equal(c.n_servers, 2);
        assert_string_equal(c.servers[0].name, "s");
        assert_close(c.servers[0].weight, 1000);
        assert_int_equal(c.servers[0].enabled, 1);
        assert_string_equal(c.servers[1].name, "t");
        assert_string_equal(c.servers[1].token_secret, "y2");
        assert_close(c.servers[1].weight, 0.01);
        assert_int_equal(c.servers[1].enabled, 1);
        conf_free(&c);
        free(t);
    }
}

static void test_conf_load_missing_file(void **state)
{
    struct mrb_conf c;
    char errbuf[256] = "";

    (void)state;
    memset(&c, 0x5a, sizeof(c));
    assert_int_equal(conf_load("/nonexistent/dir/mrb.conf", &c, errbuf, sizeof(errbuf)), -1);
    assert_starts(errbuf, "/nonexistent/dir/mrb.conf: cannot open");
    assert_null(c.path);
    conf_free(&c); /* after failure: safe */
    conf_free(&c);
}

static void test_conf_load_dev_conf(void **state)
{
    struct mrb_conf c;
    char errbuf[256] = "";

    (void)state;
    if (conf_load("conf/mrb.dev.conf", &c, errbuf, sizeof(errbuf)) != 0)
        fail_msg("conf/mrb.dev.conf (run from the repository root): %s", errbuf);
    assert_string_equal(c.path, "conf/mrb.dev.conf");
    assert_string_equal(c.db.host, "127.0.0.1");
    assert_int_equal(c.db.port, 3307);
    assert_string_equal(c.db.user, "mrb");
    assert_string_equal(c.db.database, "mrb");
    assert_int_equal(c.auth.alg, CONF_JWT_HS256);
    assert_true(strlen(c.auth.secret) >= 32);
    assert_string_equal(c.auth.issuer, "mrb-dev-auth");
    assert_string_equal(c.auth.audience, "mrb");
    assert_int_equal(c.auth.leeway, 30);
    assert_string_equal(c.auth.host_claim, "role");
    assert_string_equal(c.auth.host_value, "host");
    assert_null(c.webhook.user); /* no shared credential: each server has its own */
    assert_null(c.webhook.password);
    assert_string_equal(c.servers[0].webhook_user, "janus-a");
    assert_string_equal(c.servers[1].webhook_user, "janus-b");
    assert_string_not_equal(c.servers[0].webhook_password, c.servers[1].webhook_password);
    assert_int_equal(c.limits.n_trusted, 2);
    assert_int_equal(c.turn.n_urls, 3);
    assert_string_equal(c.turn.urls[0], "turn:127.0.0.1:3478?transport=udp");
    assert_string_equal(c.turn.urls[1], "turn:127.0.0.1:3478?transport=tcp");
    assert_string_equal(c.turn.urls[2], "turns:127.0.0.1:5349?transport=tcp");
    assert_int_equal(c.turn.n_stun_urls, 1);
    assert_string_equal(c.turn.stun_urls[0], "stun:127.0.0.1:3478");
    assert_int_equal(c.turn.credential_ttl, 86400);
    assert_int_equal(c.rooms.token_max_ttl, 3600);
    assert_int_equal(c.rooms.max_participants, 16);
    assert_int_equal(c.n_servers, 2);
    assert_string_equal(c.servers[0].name, "janus-a");
    assert_string_equal(c.servers[0].public_url, "http://127.0.0.1:8188/janus");
    assert_string_equal(c.servers[0].admin_url, "http://127.0.0.1:7188/admin");
    assert_non_null(c.servers[0].admin_secret);
    assert_non_null(c.servers[0].token_secret);
    assert_string_equal(c.servers[1].name, "janus-b");
    assert_string_equal(c.servers[1].public_url, "http://127.0.0.1:8288/janus");
    assert_string_not_equal(c.servers[0].token_secret, c.servers[1].token_secret);
    conf_free(&c);
}

/* Issue 19: each server's own webhook credential, the shared one only for
 * migration, and [limits] trusted_proxies. */
#define NO_SHARED "[db]\nuser = mrb\ndatabase = mrb\n[auth]\njwt_secret = " SECRET32 "\n"
#define SERVER_A "[server a]\npublic_url = http://a/\nadmin_url = http://a/admin\nadmin_secret = x\ntoken_secret = y\n"
#define SERVER_B "[server b]\npublic_url = http://b/\nadmin_url = http://b/admin\nadmin_secret = x\ntoken_secret = y\n"
static void test_webhook_credentials(void **state)
{
    struct mrb_conf c;
    char errbuf[256];

    (void)state;
    /* per-server credentials, no shared one: fine */
    load_ok(NO_SHARED SERVER_A "webhook_user = hook-a\nwebhook_password = 0123456789abcdef\n" SERVER_B
                              "webhook_user = hook-b\nwebhook_password = fedcba9876543210\n",
            &c);
    assert_null(c.webhook.user);
    assert_string_equal(c.servers[0].webhook_user, "hook-a");
    assert_string_equal(c.servers[1].webhook_password, "fedcba9876543210");
    conf_free(&c);
    /* a server with no credential of its own and no shared one: its events could never be accepted */
    assert_contains(load_fail(NO_SHARED SERVER_A, errbuf, sizeof(errbuf)),
                    "[server a] needs webhook_user and webhook_password");
    /* ...unless the shared one is set (migration) */
    load_ok(MIN_CONF SERVER_A, &c);
    assert_string_equal(c.webhook.user, "janus");
    assert_null(c.servers[0].webhook_user);
    conf_free(&c);
    /* user and password go together, here and in [webhook] */
    assert_contains(load_fail(NO_SHARED SERVER_A "webhook_user = hook-a\n", errbuf, sizeof(errbuf)),
                    "[server a] webhook_user and webhook_password go together");
    assert_contains(load_fail(NO_SHARED "[webhook]\nuser = janus\n", errbuf, sizeof(errbuf)),
                    "[webhook] user and password go together");
    /* a short password */
    assert_contains(load_fail(NO_SHARED SERVER_A "webhook_user = hook-a\nwebhook_password = short\n", errbuf,
                              sizeof(errbuf)),
                    "webhook_password must be at least 16 bytes");
    /* two servers with one user: each would speak for the other */
    assert_contains(load_fail(NO_SHARED SERVER_A "webhook_user = hook\nwebhook_password = 0123456789abcdef\n" SERVER_B
                                                 "webhook_user = hook\nwebhook_password = fedcba9876543210\n",
                              errbuf, sizeof(errbuf)),
                    "[server b] webhook_user 'hook' is [server a]'s too");
}

/* [server NAME] record_dir (absolute, or beside the config file) and
 * link_mbps (a positive number). */
static void test_server_record_dir_link(void **state)
{
    struct mrb_conf c;
    char errbuf[256];

    (void)state;
    load_ok(MIN_CONF SERVER_A "record_dir = /var/lib/janus/recordings\nlink_mbps = 2500.5\n" SERVER_B
                              "record_dir = rec/b\n", &c);
    assert_string_equal(c.servers[0].record_dir, "/var/lib/janus/recordings");
    assert_true(c.servers[0].link_mbps > 2500.4 && c.servers[0].link_mbps < 2500.6);
    assert_string_equal(c.servers[1].record_dir, "./rec/b"); /* beside "t.conf", which has no directory */
    assert_true(c.servers[1].link_mbps == 0);                /* unknown */
    conf_free(&c);
    assert_contains(load_fail(MIN_CONF SERVER_A "record_dir = /a\"b\n", errbuf, sizeof(errbuf)),
                    "record_dir must be a path");
    assert_contains(load_fail(MIN_CONF SERVER_A "link_mbps = 0\n", errbuf, sizeof(errbuf)),
                    "link_mbps must be a number in (0, 1000000]");
    assert_contains(load_fail(MIN_CONF SERVER_A "link_mbps = fast\n", errbuf, sizeof(errbuf)),
                    "link_mbps must be a number");
}

static void test_trusted_proxies(void **state)
{
    struct mrb_conf c;
    char errbuf[256];

    (void)state;
    load_ok(MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.5, 10.0.1.0/24 fd00:1::/64\n", &c);
    assert_int_equal(c.limits.n_trusted, 3);
    assert_true(cidr_list_contains(c.limits.trusted, c.limits.n_trusted, "10.0.1.200"));
    assert_false(cidr_list_contains(c.limits.trusted, c.limits.n_trusted, "10.0.0.6"));
    conf_free(&c);
    load_ok(MIN_CONF, &c);
    assert_int_equal(c.limits.n_trusted, 0); /* default: nobody's X-Forwarded-For is believed */
    conf_free(&c);
    assert_contains(load_fail(MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.5, proxy.example\n", errbuf, sizeof(errbuf)),
                    "'proxy.example' is not an address or CIDR range");
    assert_contains(load_fail(MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.1/8\n", errbuf, sizeof(errbuf)),
                    "'10.0.0.1/8'");
}

static void test_default_path(void **state)
{
    (void)state;
    assert_int_equal(unsetenv("MRB_CONFIG"), 0);
    assert_string_equal(conf_default_path(), "/etc/mrb/mrb.conf");
    assert_string_equal(conf_default_path(), CONF_DEFAULT_PATH);
    assert_int_equal(setenv("MRB_CONFIG", "/tmp/other.conf", 1), 0);
    assert_string_equal(conf_default_path(), "/tmp/other.conf");
    assert_int_equal(setenv("MRB_CONFIG", "", 1), 0); /* empty: the default */
    assert_string_equal(conf_default_path(), "/etc/mrb/mrb.conf");
    assert_int_equal(unsetenv("MRB_CONFIG"), 0);
    assert_string_equal(conf_default_path(), "/etc/mrb/mrb.conf");
}

static void test_error_buffer_truncation(void **state)
{
    char small[12];
    char *t;

    (void)state;
    /* a short errbuf is truncated, not overrun */
    memset(small, 'Z', sizeof(small));
    t = with_extra("[db]\nbogus = 1\n");
    load_fail(t, small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small, "t.conf:10: ");
    free(t);
}

/* libinih keeps 49 bytes of a section name, so "[server NAME]" holds at
 * most 40 characters of NAME. Longer names are refused with a clear error
 * instead of being cut short (which would merge two servers into one). */
static void test_server_long_names(void **state)
{
    static const char srv[] = "public_url = http://%s/\nadmin_url = http://%s/admin\nadmin_secret = a-%s\n"
                              "token_secret = t-%s\n";
    const char *n40 = "janus-production-eu-west-1-az-a-node-001"; /* 40 characters */
    const char *n41 = "janus-production-eu-west-1-az-a-node-0001";
    const char *n51 = "janus-production-eu-west-1-az-a-node-0001-primary-1";
    char extra[1024], s1[256], errbuf[256];
    struct mrb_conf c;
    char *t;

    (void)state;
    snprintf(s1, sizeof(s1), srv, "one", "one", "one", "one");
    snprintf(extra, sizeof(extra), "[server %s]\n%s", n40, s1);
    t = with_extra(extra);
    load_ok(t, &c);
    free(t);
    assert_int_equal(c.n_servers, 1);
    assert_string_equal(c.servers[0].name, n40);
    conf_free(&c);

    snprintf(extra, sizeof(extra), "[server %s]\n%s", n41, s1);
    t = with_extra(extra);
    load_fail(t, errbuf, sizeof(errbuf));
    assert_contains(errbuf, "bad server name");
    free(t);

    snprintf(extra, sizeof(extra), "[server %s]\n%s", n51, s1);
    t = with_extra(extra);
    load_fail(t, errbuf, sizeof(errbuf));
    assert_contains(errbuf, "section name longer than 48");
    free(t);
}

/* libinih (Debian's build) has a 200-byte line buffer and would split a
 * longer line silently. Such lines are refused with their own line number;
 * long lists continue on indented lines instead. */
static void test_long_lines(void **state)
{
    struct mrb_conf c;
    char errbuf[256] = "";
    char secret[257], text[2048];

    (void)state;
    memset(secret, 'k', 256);
    secret[256] = '\0';
    snprintf(text, sizeof(text),
             "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = p\n[auth]\njwt_secret = %s\n", secret);
    assert_int_equal(conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)), -1);
    assert_contains(errbuf, "t.conf:8: line longer than 198 bytes");

    snprintf(text, sizeof(text),
             "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = p\n[auth]\njwt_secret = " SECRET32 "\n"
             "[turn]\nsecret = s\n"
             "urls = turn:turn1.example.com:3478?transport=udp, turn:turn1.example.com:3478?transport=tcp,\n"
             "  turns:turn1.example.com:5349?transport=tcp, turn:turn2.example.com:3478?transport=udp,\n"
             "  turn:turn2.example.com:3478?transport=tcp, turns:turn2.example.com:5349?transport=tcp,\n"
             "  turn:turn3.example.com:3478?transport=udp, turns:turn3.example.com:5349?transport=tcp\n");
    if (conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)) != 0)
        fail_msg("8 TURN URLs over continuation lines refused: %s", errbuf);
    assert_int_equal(c.turn.n_urls, 8);
    assert_string_equal(c.turn.urls[0], "turn:turn1.example.com:3478?transport=udp");
    assert_string_equal(c.turn.urls[7], "turns:turn3.example.com:5349?transport=tcp");
    conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_turn_url_lists),
        cmocka_unit_test(test_webhook_credentials),
        cmocka_unit_test(test_trusted_proxies),
        cmocka_unit_test(test_server_record_dir_link),
        cmocka_unit_test(test_db_hosts),
        cmocka_unit_test(test_unknown_key_line),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_cross_key_rules),
        cmocka_unit_test(test_jwt_alg),
        cmocka_unit_test(test_jwt_secret_rules),
        cmocka_unit_test(test_rs256_public_key_loaded),
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_conf_load_missing_file),
        cmocka_unit_test(test_conf_load_dev_conf),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_error_buffer_truncation),
        cmocka_unit_test(test_server_long_names),
        cmocka_unit_test(test_long_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
