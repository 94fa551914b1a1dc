/* Unit tests for lib/conf.c: conf_load_string(), conf_load(),
 * conf_default_path(), conf_free(). Run from the repository root (make unit)
 * so that conf/mrb.dev.conf is found.
 *
 * Most cases are rows of a table: a configuration that must be refused and
 * what its message says (struct refusal, check_refusals()), or one that must
 * be accepted and what it sets. Every failure starts with the row's name. */
#include <sys/stat.h>
#include "unit.h"

/* Like conf/mrb.dev.conf, with every key set to a non-default value. */
static const char full_conf[] =
    "# comment\n"
    "[db]\n"
    "host = db.example\n"
    "port = 3307\n"
    "user = mrbuser\n"
    "password = database-pw\n"
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
    "password = hook-password\n"
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
    "admin_key = audiobridge-key\n"
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
    "network = 6\n"
    "rebalance = false\n"
    "\n"
    "[health]\n"
    "interval = 7\n"
    "\n"
    "[server janus-a]\n"
    "public_url = http://127.0.0.1:8188/janus\n"
    "admin_url = http://127.0.0.1:7188/admin\n"
    "admin_secret = admin-secret-a\n"
    "token_secret = token-secret-a\n"
    "metrics_url = http://127.0.0.1:9100/metrics\n"
    "weight = 2.5\n"
    "link_mbps = 250.5\n"
    "net_devices = eth0, bond0\n"
    "enabled = false\n"
    "\n"
    "[server janus_b.2]\n"
    "public_url = https://b.example/janus\n"
    "admin_url = https://b.example/admin\n"
    "admin_secret = admin-secret-b\n"
    "token_secret = token-secret-b\n";

/* Loads text that must be refused, and returns the message (in errbuf);
 * a failure names the case and the caller's line. */
#define conf_refused(name, text, errbuf, errlen) refused_at((name), (text), (errbuf), (errlen), __FILE__, __LINE__)
static const char *refused_at(const char *name, const char *text, char *errbuf, size_t errlen, const char *file,
                              int line)
{
    struct mrb_conf c;
    int rc;

    memset(&c, 0x5a, sizeof(c)); /* garbage in: load must not trust it */
    snprintf(errbuf, errlen, "(untouched)");
    rc = conf_load_string(text, "t.conf", &c, errbuf, errlen);
    if (rc != -1)
        unit_fail_at(file, line, "%s: expected -1, got %d for:\n%s", name, rc, text);
    /* left freed: zeroed, and freeing again is harmless */
    if (c.path != NULL || c.servers != NULL || c.n_servers != 0 || c.turn.n_urls != 0)
        unit_fail_at(file, line, "%s: refused, but not left freed (path %p, servers %p, n_servers %zu, n_urls %zu)",
                     name, (void *)c.path, (void *)c.servers, c.n_servers, c.turn.n_urls);
    conf_free(&c);
    return errbuf;
}

/* A configuration that must be refused, and what the message says (each
 * check left NULL is not made). */
struct refusal {
    const char *name;
    const char *text;     /* the whole configuration */
    const char *starts;   /* the message starts with this */
    const char *contains; /* the message contains this */
    const char *also;     /* and this */
    const char *equals;   /* the whole message */
    const char *lacks;    /* never in the message (a secret) */
};

static void check_refusals(const struct refusal *cases, size_t n)
{
    char errbuf[256];

    for (size_t i = 0; i < n; i++) {
        const struct refusal *r = &cases[i];

        conf_refused(r->name, r->text, errbuf, sizeof(errbuf));
        if (r->equals != NULL)
            case_str(r->name, errbuf, r->equals);
        if (r->starts != NULL)
            case_starts(r->name, errbuf, r->starts);
        if (r->contains != NULL)
            case_contains(r->name, errbuf, r->contains);
        if (r->also != NULL)
            case_contains(r->name, errbuf, r->also);
        if (r->lacks != NULL)
            case_lacks(r->name, errbuf, r->lacks);
    }
}

/* A configuration that must be accepted (what it sets is checked elsewhere). */
struct acceptance {
    const char *name;
    const char *text;
};

static void check_acceptances(const struct acceptance *cases, size_t n)
{
    struct mrb_conf c;

    for (size_t i = 0; i < n; i++) {
        conf_ok(cases[i].name, cases[i].text, &c);
        conf_free(&c);
    }
}

static void test_full_config(void **state)
{
    struct mrb_conf c;

    (void)state;
    conf_ok("full_conf", full_conf, &c);
    assert_string_equal(c.path, "t.conf");
    assert_string_equal(c.db.host, "db.example");
    assert_int_equal(c.db.port, 3307);
    assert_string_equal(c.db.user, "mrbuser");
    assert_string_equal(c.db.password, "database-pw");
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
    assert_string_equal(c.webhook.password, "hook-password");

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

    assert_string_equal(c.janus.admin_key, "audiobridge-key");
    assert_int_equal(c.janus.connect_timeout_ms, 500);
    assert_int_equal(c.janus.timeout_ms, 2500);

    assert_close(c.score.cpu, 1.5);
    assert_close(c.score.mem, 2);
    assert_close(c.score.sessions, 3);
    assert_close(c.score.handles, 4);
    assert_close(c.score.sockets, 5);
    assert_close(c.score.fallback, 9999);
    assert_close(c.score.network, 6);
    assert_int_equal(c.score.rebalance, 0);
    assert_int_equal(c.score.interval, 7);

    assert_int_equal(c.n_servers, 2);
    assert_string_equal(c.servers[0].name, "janus-a");
    assert_string_equal(c.servers[0].public_url, "http://127.0.0.1:8188/janus");
    assert_string_equal(c.servers[0].admin_url, "http://127.0.0.1:7188/admin");
    assert_string_equal(c.servers[0].admin_secret, "admin-secret-a");
    assert_string_equal(c.servers[0].token_secret, "token-secret-a");
    assert_string_equal(c.servers[0].metrics_url, "http://127.0.0.1:9100/metrics");
    assert_close(c.servers[0].weight, 2.5);
    assert_close(c.servers[0].link_mbps, 250.5);
    assert_string_equal(c.servers[0].net_devices, "eth0,bond0");
    assert_int_equal(c.servers[0].enabled, 0);

    assert_string_equal(c.servers[1].name, "janus_b.2");
    assert_string_equal(c.servers[1].public_url, "https://b.example/janus");
    assert_string_equal(c.servers[1].admin_url, "https://b.example/admin");
    assert_string_equal(c.servers[1].admin_secret, "admin-secret-b");
    assert_string_equal(c.servers[1].token_secret, "token-secret-b");
    assert_null(c.servers[1].metrics_url);
    assert_close(c.servers[1].weight, 1.0); /* default */
    assert_close(c.servers[1].link_mbps, 0); /* unknown: no network term */
    assert_null(c.servers[1].net_devices);   /* every device but lo */
    assert_int_equal(c.servers[1].enabled, 1); /* default */

    conf_free(&c);
    /* conf_free zeroes: a second call is harmless */
    assert_null(c.db.host);
    assert_int_equal(c.n_servers, 0);
    conf_free(&c);
}

/* Every default (test_score.c relies on the [score] and [health] ones). */
static void test_defaults(void **state)
{
    struct mrb_conf c;

    (void)state;
    conf_ok("MIN_CONF", MIN_CONF, &c);
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
    assert_close(c.score.network, 50);
    assert_int_equal(c.score.rebalance, 1);
    assert_int_equal(c.score.interval, 5);
    assert_int_equal(c.n_servers, 0);
    assert_null(c.servers);
    conf_free(&c);
}

#define LINE10 "t.conf:10: " /* the first line after MIN_CONF's 8 and a section line */

static void test_turn_url_lists(void **state)
{
    static const struct {
        const char *name, *text;
        size_t n_urls;
        const char *urls[CONF_MAX_URLS];
        size_t n_stun;
        const char *stun[2];
        const char *username, *credential;
    } ok[] = {
        {"separators: commas and/or spaces, empty items skipped",
         MIN_CONF "[turn]\nurls = ,turn:a, ,turns:b,,turn:c ,\nsecret = turn-secret-s\nstun_urls = stun:x stuns:y\n", 3,
         {"turn:a", "turns:b", "turn:c"}, 2, {"stun:x", "stuns:y"}, NULL, NULL},
        {"a list continued on indented lines",
         MIN_CONF "[turn]\nurls = turn:a,turn:b,turn:c\n  turn:d\nsecret = turn-secret-s\n",
         4, {"turn:a", "turn:b", "turn:c", "turn:d"}, 0, {NULL}, NULL, NULL},
        {"exactly 8 URLs",
         MIN_CONF "[turn]\nurls = turn:1,turn:2,turn:3,turn:4,turn:5,turn:6,turn:7,turn:8\nsecret = turn-secret-s\n", CONF_MAX_URLS,
         {"turn:1", "turn:2", "turn:3", "turn:4", "turn:5", "turn:6", "turn:7", "turn:8"}, 0, {NULL}, NULL, NULL},
        {"a static username and credential instead of a secret",
         MIN_CONF "[turn]\nurls = turn:x\nusername = u\ncredential = static-credential\n", 1, {"turn:x"}, 0, {NULL}, "u", "static-credential"},
    };
    static const struct refusal bad[] = {
        {"a repeated key is refused, not appended",
         MIN_CONF "[turn]\nurls = turn:a,turn:b,turn:c\nurls = turn:d\nsecret = turn-secret-s\n",
         .equals = "t.conf:11: urls is given twice in [turn]: say it once"},
        {"9 URLs", MIN_CONF "[turn]\nurls = u1,u2,u3,u4,u5,u6,u7,u8,u9\nsecret = turn-secret-s\n", .starts = LINE10,
         .contains = "at most 8"},
        /* only turn:/turns: (and stun:/stuns:) URLs: a typo is not handed to browsers */
        {"an http URL among the TURN URLs", MIN_CONF "[turn]\nurls = turn:a, http://b\nsecret = turn-secret-s\n",
         .contains = "'http://b' is not a turn: or turns: URL"},
        {"a turn: URL among the STUN URLs", MIN_CONF "[turn]\nstun_urls = turn:a\n",
         .contains = "'turn:a' is not a stun: or stuns: URL"},
        /* TURN URLs need credentials: REST secret, or static username+credential */
        {"TURN URLs without credentials", MIN_CONF "[turn]\nurls = turn:x\n", .contains = "[turn]"},
        {"a static username without its credential", MIN_CONF "[turn]\nurls = turn:x\nusername = u\n",
         .contains = "[turn]"},
    };
    struct mrb_conf c;

    (void)state;
    for (size_t i = 0; i < N_CASES(ok); i++) {
        const char *name = ok[i].name;

        conf_ok(name, ok[i].text, &c);
        case_int(name, c.turn.n_urls, ok[i].n_urls);
        for (size_t j = 0; j < ok[i].n_urls; j++)
            case_str(name, c.turn.urls[j], ok[i].urls[j]);
        case_int(name, c.turn.n_stun_urls, ok[i].n_stun);
        for (size_t j = 0; j < ok[i].n_stun; j++)
            case_str(name, c.turn.stun_urls[j], ok[i].stun[j]);
        case_str(name, c.turn.username, ok[i].username);
        case_str(name, c.turn.credential, ok[i].credential);
        conf_free(&c);
    }
    check_refusals(bad, N_CASES(bad));
}

/* [db] hosts: the ordered node list, parsed into c.db.nodes. */
static void test_db_hosts(void **state)
{
    static const struct {
        const char *name, *text;
        size_t n_nodes;
        struct {
            const char *host;
            long port;
        } nodes[3];
        long connect_timeout_ms, failback_s;
    } ok[] = {
        {"without hosts: one node from host and port", MIN_CONF, 1, {{"", 3306}}, 2000, 60},
        {"order kept; the port defaults to [db] port; commas and blanks; [v6]",
         MIN_CONF "[db]\nport = 3400\nhosts = 10.0.0.2:4317, 10.0.0.1 ,[::1]:4327\nfailback_s = 0\n", 3,
         {{"10.0.0.2", 4317}, {"10.0.0.1", 3400}, {"::1", 4327}}, 2000, 0},
    };
    static const struct refusal bad[] = {
        {"port 0", MIN_CONF "[db]\nhosts = a:0\n", .starts = "t.conf"},
        {"port 99999", MIN_CONF "[db]\nhosts = a:99999\n", .starts = "t.conf"},
        {"port not a number", MIN_CONF "[db]\nhosts = a:x\n", .starts = "t.conf", .contains = "'a:x' is not host:port"},
        {"a bare v6 address", MIN_CONF "[db]\nhosts = ::1:3306\n", .starts = "t.conf"},
        {"an unclosed [v6", MIN_CONF "[db]\nhosts = [::1\n", .starts = "t.conf"},
        {"nothing at all", MIN_CONF "[db]\nhosts = , ,\n", .starts = "t.conf"},
        {"9 nodes", MIN_CONF "[db]\nhosts = a,b,c,d,e,f,g,h,i\n", .starts = "t.conf"},
        {"connect_timeout_ms 50", MIN_CONF "[db]\nconnect_timeout_ms = 50\n", .starts = "t.conf"},
    };
    struct mrb_conf c;

    (void)state;
    for (size_t i = 0; i < N_CASES(ok); i++) {
        const char *name = ok[i].name;

        conf_ok(name, ok[i].text, &c);
        case_int(name, c.db.n_nodes, ok[i].n_nodes);
        for (size_t j = 0; j < ok[i].n_nodes; j++) {
            case_str(name, c.db.nodes[j].host, ok[i].nodes[j].host);
            case_int(name, c.db.nodes[j].port, ok[i].nodes[j].port);
        }
        case_int(name, c.db.connect_timeout_ms, ok[i].connect_timeout_ms);
        case_int(name, c.db.failback_s, ok[i].failback_s);
        conf_free(&c);
    }
    check_refusals(bad, N_CASES(bad));
}

static void test_unknown_key_line(void **state)
{
    static const struct refusal cases[] = {
        {"unknown key in [db]: [db] on line 9, bogus on line 10", MIN_CONF "[db]\nbogus = 1\n",
         .equals = "t.conf:10: unknown key 'bogus' in [db]"},
        {"unknown key on line 3 of MIN_CONF's shape",
         "[db]\n"
         "user = mrb\n"
         "databse = mrb\n"
         "[auth]\n"
         "jwt_secret = " SECRET32 "\n"
         "[webhook]\n"
         "user = janus\n"
         "password = hook-pw-1234\n",
         .starts = "t.conf:3: unknown key", .contains = "databse"},
        {"unknown section", MIN_CONF "\n\n[nosuch]\nkey = v\n",
         .starts = "t.conf:11: unknown section [nosuch]"},
        {"a section typo is an unknown section, not an unknown key", MIN_CONF "[room]\nseat_grace = 30\n",
         .starts = "t.conf:9: unknown section [room]", .contains = "rooms"},
        {"a key given twice", MIN_CONF "[rooms]\nseat_grace = 30\nseat_grace = 40\n",
         .equals = "t.conf:11: seat_grace is given twice in [rooms]: say it once"},
        {"a key given twice across two parts of one section",
         MIN_CONF "[rooms]\nseat_grace = 30\n[health]\ninterval = 5\n[rooms]\nseat_grace = 40\n",
         .starts = "t.conf:14: seat_grace is given twice in [rooms]"},
        {"an inline '#' comment on a number", MIN_CONF "[rooms]\nseat_grace = 60  # one minute\n",
         .equals = "t.conf:10: [rooms] seat_grace = '60  # one minute': an inline comment is not allowed (put it "
                   "on a line of its own)"},
        {"an inline '#' comment on a server's URL", MIN_CONF "[server a]\npublic_url = http://a/ # the first\n",
         .starts = "t.conf:10: [server a] public_url = 'http://a/ # the first': an inline comment"},
        {"a key valid in another section only", MIN_CONF "[janus]\ninterval = 5\n",
         .starts = "t.conf:10: unknown key 'interval'"},
        {"the first of several errors is reported", MIN_CONF "[db]\nfirst = 1\nsecond = 2\n",
         .starts = "t.conf:10: unknown key 'first'"},
        {"unknown key in a server section names the server",
         MIN_CONF "[server s1]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = admin-secret-x\n"
                  "token_secret = token-secret-y\ntoken_secrte = z\n",
         .starts = "t.conf:14: unknown key 'token_secrte'", .contains = "s1"},
        {"a line that is not key = value", MIN_CONF "[db]\njust words\n", .starts = LINE10},
    };

    (void)state;
    check_refusals(cases, N_CASES(cases));
}

static void test_bad_numbers(void **state)
{
    static const struct refusal cases[] = {
        {"port: letters", MIN_CONF "[db]\nport = abc\n", .starts = LINE10, .contains = "port"},
        {"port: trailing letters", MIN_CONF "[db]\nport = 12x\n", .starts = LINE10, .contains = "port"},
        {"port: a fraction", MIN_CONF "[db]\nport = 1.5\n", .starts = LINE10, .contains = "port"},
        {"port: hexadecimal", MIN_CONF "[db]\nport = 0x10\n", .starts = LINE10, .contains = "port"},
        {"port: empty", MIN_CONF "[db]\nport =\n", .starts = LINE10, .contains = "port"},
        {"port: overflows", MIN_CONF "[db]\nport = 99999999999999999999999\n", .starts = LINE10, .contains = "port"},
        {"jwt_leeway: a word", MIN_CONF "[auth]\njwt_leeway = ten\n", .starts = LINE10, .contains = "jwt_leeway"},
        {"token_max_ttl: a unit", MIN_CONF "[rooms]\ntoken_max_ttl = 1h\n", .starts = LINE10,
         .contains = "token_max_ttl"},
        {"score cpu: a word", MIN_CONF "[score]\ncpu = lots\n", .starts = LINE10, .contains = "cpu"},
        {"score mem: nan", MIN_CONF "[score]\nmem = nan\n", .starts = LINE10, .contains = "mem"},
        {"score sockets: an exponent without digits", MIN_CONF "[score]\nsockets = 1e\n", .starts = LINE10,
         .contains = "sockets"},
        {"health interval: a unit", MIN_CONF "[health]\ninterval = 5s\n", .starts = LINE10, .contains = "interval"},
    };

    (void)state;
    check_refusals(cases, N_CASES(cases));
}

static void test_out_of_range(void **state)
{
    static const struct refusal bad[] = {
        /* the range is stated */
        {"port 65536", MIN_CONF "[db]\nport = 65536\n", .starts = LINE10, .contains = "port", .also = "0..65535"},
        {"port -1", MIN_CONF "[db]\nport = -1\n", .starts = LINE10, .contains = "port"},
        {"jwt_leeway 3601", MIN_CONF "[auth]\njwt_leeway = 3601\n", .starts = LINE10, .contains = "jwt_leeway"},
        {"jwt_leeway -1", MIN_CONF "[auth]\njwt_leeway = -1\n", .starts = LINE10, .contains = "jwt_leeway"},
        {"credential_ttl 59", MIN_CONF "[turn]\ncredential_ttl = 59\n", .starts = LINE10, .contains = "credential_ttl"},
        {"max_participants 1", MIN_CONF "[rooms]\nmax_participants = 1\n", .starts = LINE10,
         .contains = "max_participants"},
        {"max_participants 10001", MIN_CONF "[rooms]\nmax_participants = 10001\n", .starts = LINE10,
         .contains = "max_participants"},
        {"token_max_ttl 59", MIN_CONF "[rooms]\ntoken_max_ttl = 59\n", .starts = LINE10, .contains = "token_max_ttl"},
        {"default_ttl 9", MIN_CONF "[rooms]\ndefault_ttl = 9\n", .starts = LINE10, .contains = "default_ttl"},
        {"janus timeout_ms 0", MIN_CONF "[janus]\ntimeout_ms = 0\n", .starts = LINE10, .contains = "timeout_ms"},
        {"janus connect_timeout_ms 60001", MIN_CONF "[janus]\nconnect_timeout_ms = 60001\n", .starts = LINE10,
         .contains = "connect_timeout_ms"},
        {"score cpu -0.5", MIN_CONF "[score]\ncpu = -0.5\n", .starts = LINE10, .contains = "cpu"},
        {"score handles 1000.5", MIN_CONF "[score]\nhandles = 1000.5\n", .starts = LINE10, .contains = "handles"},
        {"score fallback inf", MIN_CONF "[score]\nfallback = inf\n", .starts = LINE10, .contains = "fallback"},
        {"score network -1", MIN_CONF "[score]\nnetwork = -1\n", .starts = LINE10, .contains = "network"},
        {"score network 1000.5", MIN_CONF "[score]\nnetwork = 1000.5\n", .starts = LINE10, .contains = "network"},
        {"health interval 0", MIN_CONF "[health]\ninterval = 0\n", .starts = LINE10, .contains = "interval"},
        {"health interval 61", MIN_CONF "[health]\ninterval = 61\n", .starts = LINE10, .contains = "interval"},
    };
    static const struct acceptance good[] = {
        {"port 65535", MIN_CONF "[db]\nport = 65535\n"},
        {"port 0", MIN_CONF "[db]\nport = 0\n"},
        {"jwt_leeway 0", MIN_CONF "[auth]\njwt_leeway = 0\n"},
        {"jwt_leeway 3600", MIN_CONF "[auth]\njwt_leeway = 3600\n"},
        {"health interval 1", MIN_CONF "[health]\ninterval = 1\n"},
        {"health interval 60", MIN_CONF "[health]\ninterval = 60\n"},
        {"score cpu 0", MIN_CONF "[score]\ncpu = 0\n"},
        {"score cpu 1000", MIN_CONF "[score]\ncpu = 1000\n"},
        {"credential_ttl 60", MIN_CONF "[turn]\ncredential_ttl = 60\n"},
        {"score network 0", MIN_CONF "[score]\nnetwork = 0\n"},
        {"score network 1000", MIN_CONF "[score]\nnetwork = 1000\n"},
    };

    (void)state;
    check_refusals(bad, N_CASES(bad));
    check_acceptances(good, N_CASES(good));
}

static void test_cross_key_rules(void **state)
{
    static const struct refusal cases[] = {
        {"default_ttl over max_ttl", MIN_CONF "[rooms]\ndefault_ttl = 7200\nmax_ttl = 3600\n",
         .contains = "default_ttl"},
        {"default_max_participants over max_participants",
         MIN_CONF "[rooms]\ndefault_max_participants = 8\nmax_participants = 4\n",
          .contains = "default_max_participants"},
        /* required sections */
        {"no [db]", "[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\npassword = pass-1234\n", .contains = "[db]"},
        {"no [webhook] password",
         "[db]\nuser = u\ndatabase = d\n[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\n",
         .contains = "[webhook]"},
        {"an empty value is absent",
         "[db]\nuser = u\ndatabase =\n[auth]\njwt_secret = " SECRET32 "\n[webhook]\nuser = u\npassword = pass-1234\n",
         .contains = "[db]"},
        {"empty file", "", .starts = "t.conf: "},
    };

    (void)state;
    check_refusals(cases, N_CASES(cases));
}

static void test_jwt_alg(void **state)
{
    static const struct refusal cases[] = {
        {"jwt_alg none", MIN_CONF "[auth]\njwt_alg = none\n", .starts = LINE10, .contains = "jwt_alg"},
        {"jwt_alg in lower case", MIN_CONF "[auth]\njwt_alg = hs256\n", .starts = LINE10, .contains = "jwt_alg"},
        {"jwt_alg HS512", MIN_CONF "[auth]\njwt_alg = HS512\n", .starts = LINE10, .contains = "jwt_alg"},
        {"jwt_alg RS384", MIN_CONF "[auth]\njwt_alg = RS384\n", .starts = LINE10, .contains = "jwt_alg"},
        {"jwt_alg empty", MIN_CONF "[auth]\njwt_alg = \n", .starts = LINE10, .contains = "jwt_alg"},
        {"jwt_alg with a trailing word", MIN_CONF "[auth]\njwt_alg = HS256 x\n",
         .starts = LINE10, .contains = "jwt_alg"},
    };

    (void)state;
    check_refusals(cases, N_CASES(cases));
}

/* Everything MIN_CONF has but [auth]. */
#define NO_AUTH "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = pass-1234\n"

static void test_jwt_secret_rules(void **state)
{
    static const struct refusal cases[] = {
        {"missing", NO_AUTH, .contains = "jwt_secret"},
        {"empty", NO_AUTH "[auth]\njwt_secret =\n", .contains = "jwt_secret"},
        /* the secret itself never appears in the message */
        {"31 bytes", NO_AUTH "[auth]\njwt_secret = 0123456789abcdef0123456789abcde\n", .contains = "jwt_secret",
         .also = "32", .lacks = "0123456789abcdef0123456789abcde"},
        {"explicit HS256 still requires it", NO_AUTH "[auth]\njwt_alg = HS256\n", .contains = "jwt_secret"},
        {"RS256 needs a public key file, not a secret", NO_AUTH "[auth]\njwt_alg = RS256\njwt_secret = " SECRET32 "\n",
         .contains = "jwt_public_key"},
        {"RS256 with no such key file", NO_AUTH "[auth]\njwt_alg = RS256\njwt_public_key = /nonexistent/mrb-test.pem\n",
         .contains = "cannot read"},
    };
    struct mrb_conf c;

    (void)state;
    check_refusals(cases, N_CASES(cases));
    conf_ok("32 bytes: fine", NO_AUTH "[auth]\njwt_secret = " SECRET32 "\n", &c);
    assert_string_equal(c.auth.secret, SECRET32);
    conf_free(&c);
}

static void test_rs256_public_key_loaded(void **state)
{
    static const char pem[] = "-----BEGIN PUBLIC KEY-----\nnot really a key, only bytes\n-----END PUBLIC KEY-----\n";
    char path[] = "/tmp/mrb-test-conf-XXXXXX";
    char text[512], errbuf[256];
    struct mrb_conf c;
    int rc;

    (void)state;
    assert_int_equal(unit_temp_file(path, pem, sizeof(pem) - 1), 0);
    snprintf(text, sizeof(text), NO_AUTH "[auth]\njwt_alg = RS256\njwt_public_key = %s\n", path);
    rc = conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf));
    unlink(path);
    if (rc != 0)
        fail_msg("RS256 config refused: %s", errbuf);
    assert_int_equal(c.auth.alg, CONF_JWT_RS256);
    assert_string_equal(c.auth.public_key_path, path);
    assert_int_equal(c.auth.public_key_len, sizeof(pem) - 1);
    assert_memory_equal(c.auth.public_key, pem, sizeof(pem) - 1);
    assert_null(c.auth.secret);
    conf_free(&c);
}

/* A server section's keys but its name. */
#define SRV_OK "public_url = http://a/\nadmin_url = http://a/admin\nadmin_secret = admin-secret-x\ntoken_secret = token-secret-y\n"

static void test_servers(void **state)
{
    static const struct refusal bad[] = {
        {"missing token_secret: names the server",
         MIN_CONF "[server alpha]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = admin-secret-x\n",
         .contains = "[server alpha]", .also = "token_secret"},
        {"missing public_url", MIN_CONF "[server beta]\nadmin_url = http://a/\nadmin_secret = admin-secret-x\ntoken_secret = token-secret-y\n",
         .contains = "[server beta]"},
        /* bad names */
        {"name empty", MIN_CONF "[server ]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        {"name with a slash", MIN_CONF "[server bad/name]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        {"name with a space", MIN_CONF "[server a b]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        {"name not ASCII", MIN_CONF "[server \xea\xb0\x80" "]\n" SRV_OK,
         .starts = LINE10, .contains = "bad server name"},
        {"name with a semicolon", MIN_CONF "[server x;y]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        {"name with a dollar", MIN_CONF "[server x$]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        {"name with a colon", MIN_CONF "[server x:y]\n" SRV_OK, .starts = LINE10, .contains = "bad server name"},
        /* URLs must be http(s) */
        {"public_url ws:", MIN_CONF "[server s]\npublic_url = ws://a/janus\n", .starts = LINE10, .contains = "http"},
        {"admin_url ftp:", MIN_CONF "[server s]\nadmin_url = ftp://a/admin\n", .starts = LINE10, .contains = "http"},
        {"metrics_url file:", MIN_CONF "[server s]\nmetrics_url = file:///etc/passwd\n", .starts = LINE10,
         .contains = "http"},
        {"public_url without a scheme", MIN_CONF "[server s]\npublic_url = a.example/janus\n", .starts = LINE10,
         .contains = "http"},
        {"admin_url HTTP// without a colon", MIN_CONF "[server s]\nadmin_url = HTTP//a\n", .starts = LINE10,
         .contains = "http"},
        /* weight and enabled */
        {"weight 0", MIN_CONF "[server s]\nweight = 0\n", .starts = LINE10},
        {"weight -1", MIN_CONF "[server s]\nweight = -1\n", .starts = LINE10},
        {"weight 1000.5", MIN_CONF "[server s]\nweight = 1000.5\n", .starts = LINE10},
        {"weight a letter", MIN_CONF "[server s]\nweight = x\n", .starts = LINE10},
        {"weight nan", MIN_CONF "[server s]\nweight = nan\n", .starts = LINE10},
        {"enabled yes", MIN_CONF "[server s]\nenabled = yes\n", .starts = LINE10},
        {"enabled 2", MIN_CONF "[server s]\nenabled = 2\n", .starts = LINE10},
    };
    struct mrb_conf c;

    (void)state;
    check_refusals(bad, N_CASES(bad));

    /* a 40-character name: the longest accepted (see test_server_long_names) */
    conf_ok("a 40-character name", MIN_CONF "[server janus-production-eu-west-1-az-a-node-001]\n" SRV_OK, &c);
    assert_int_equal(c.n_servers, 1);
    assert_string_equal(c.servers[0].name, "janus-production-eu-west-1-az-a-node-001");
    conf_free(&c);

    conf_ok("weight and enabled",
            MIN_CONF "[server s]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = admin-secret-x\n"
                     "token_secret = token-secret-y\nweight = 1000\nenabled = 0\n"
                     "[server t]\npublic_url = http://b/\nadmin_url = http://b/\nadmin_secret = admin-secret-x2\n"
                     "token_secret = token-secret-y2\nweight = 0.01\nenabled = 1\n"
                     /* a section repeated later extends the same server (with keys it did not give) */
                     "[server s]\nwebhook_user = s-hook\nwebhook_password = s-hook-password-16\n",
            &c);
    assert_int_equal(c.n_servers, 2);
    assert_string_equal(c.servers[0].name, "s");
    assert_close(c.servers[0].weight, 1000);
    assert_int_equal(c.servers[0].enabled, 0);
    assert_string_equal(c.servers[0].webhook_user, "s-hook");
    assert_string_equal(c.servers[1].name, "t");
    assert_string_equal(c.servers[1].token_secret, "token-secret-y2");
    assert_close(c.servers[1].weight, 0.01);
    assert_int_equal(c.servers[1].enabled, 1);
    conf_free(&c);
}

/* [server NAME] link_mbps and net_devices: the network term's inputs. */
#define NET_SERVER                                                                                          \
    "[server s]\npublic_url = http://a/\nadmin_url = http://a/\nadmin_secret = admin-secret-x\n"                 \
    "token_secret = token-secret-y\n"                                                                       \
    "link_mbps = 1000000\n"
static void test_server_network(void **state)
{
    static const struct refusal bad[] = {
        {"link_mbps 0", MIN_CONF "[server s]\nlink_mbps = 0\n", .starts = LINE10, .contains = "link_mbps"},
        {"link_mbps negative", MIN_CONF "[server s]\nlink_mbps = -100\n", .starts = LINE10, .contains = "link_mbps"},
        {"link_mbps over 1000000", MIN_CONF "[server s]\nlink_mbps = 1000001\n", .starts = LINE10,
         .contains = "link_mbps"},
        {"link_mbps a word", MIN_CONF "[server s]\nlink_mbps = fast\n", .starts = LINE10, .contains = "link_mbps"},
        {"link_mbps nan", MIN_CONF "[server s]\nlink_mbps = nan\n", .starts = LINE10, .contains = "link_mbps"},
        {"net_devices empty", MIN_CONF "[server s]\nnet_devices =\n", .starts = LINE10, .contains = "net_devices"},
        {"net_devices: a trailing comma", MIN_CONF "[server s]\nnet_devices = eth0,\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: a leading comma", MIN_CONF "[server s]\nnet_devices = ,eth0\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: a space between names", MIN_CONF "[server s]\nnet_devices = eth0 eth1\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: an empty item", MIN_CONF "[server s]\nnet_devices = eth0,,eth1\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: a 16-character name", MIN_CONF "[server s]\nnet_devices = enp0s31f6abcdefg\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: a slash", MIN_CONF "[server s]\nnet_devices = eth/0\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices: quotes", MIN_CONF "[server s]\nnet_devices = \"eth0\"\n", .starts = LINE10,
         .contains = "net_devices"},
        {"net_devices given twice", MIN_CONF NET_SERVER "net_devices = x\nnet_devices = eth1\n",
         .contains = "net_devices is given twice in [server s]"},
        {"net_devices: 9 names", MIN_CONF "[server s]\nnet_devices = a,b,c,d,e,f,g,h,i\n", .starts = LINE10,
         .contains = "net_devices"},
    };
    static const struct {
        const char *name, *text, *want;
    } good[] = {
        {"one device", MIN_CONF NET_SERVER "net_devices = eth0\n", "eth0"},
        {"two devices", MIN_CONF NET_SERVER "net_devices = eth0,eth1\n", "eth0,eth1"},
        {"blanks around names", MIN_CONF NET_SERVER "net_devices =  eth0 ,  bond0.100 , wg_0-x \n",
         "eth0,bond0.100,wg_0-x"},
        {"a 15-character name: IFNAMSIZ - 1", MIN_CONF NET_SERVER "net_devices = enp0s31f6abcdef\n", "enp0s31f6abcdef"},
        {"lo", MIN_CONF NET_SERVER "net_devices = lo\n", "lo"},
        {"8 devices", MIN_CONF NET_SERVER "net_devices = a,b,c,d,e,f,g,h\n", "a,b,c,d,e,f,g,h"},
    };
    struct mrb_conf c;

    (void)state;
    check_refusals(bad, N_CASES(bad));
    for (size_t i = 0; i < N_CASES(good); i++) {
        conf_ok(good[i].name, good[i].text, &c);
        case_str(good[i].name, c.servers[0].net_devices, good[i].want);
        case_close(good[i].name, c.servers[0].link_mbps, 1000000);
        conf_free(&c);
    }
}

static void test_conf_load_missing_file(void **state)
{
    struct mrb_conf c;
    char errbuf[256] = "";

    (void)state;
    memset(&c, 0x5a, sizeof(c));
    assert_int_equal(conf_load("/nonexistent/dir/mrb.conf", &c, errbuf, sizeof(errbuf)), -1);
    case_starts("a missing file", errbuf, "/nonexistent/dir/mrb.conf: cannot open");
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
    /* both dev Janus talk to their clients over loopback */
    assert_close(c.servers[0].link_mbps, 1000);
    assert_string_equal(c.servers[0].net_devices, "lo");
    assert_string_equal(c.servers[1].net_devices, "lo");
    conf_free(&c);
}

/* Issue 19: each server's own webhook credential, the shared one only for
 * migration, and [limits] trusted_proxies. */
#define NO_SHARED "[db]\nuser = mrb\ndatabase = mrb\n[auth]\njwt_secret = " SECRET32 "\n"
#define SERVER_A "[server a]\npublic_url = http://a/\nadmin_url = http://a/admin\nadmin_secret = admin-secret-x\ntoken_secret = token-secret-y\n"
#define SERVER_B "[server b]\npublic_url = http://b/\nadmin_url = http://b/admin\nadmin_secret = admin-secret-x\ntoken_secret = token-secret-y\n"
static void test_webhook_credentials(void **state)
{
    static const struct refusal bad[] = {
        /* its events could never be accepted */
        {"a server with no credential of its own and no shared one", NO_SHARED SERVER_A,
         .contains = "[server a] needs webhook_user and webhook_password"},
        /* user and password go together, here and in [webhook] */
        {"a server's webhook_user without its password", NO_SHARED SERVER_A "webhook_user = hook-a\n",
         .contains = "[server a] webhook_user and webhook_password go together"},
        {"[webhook] user without its password", NO_SHARED "[webhook]\nuser = janus\n",
         .contains = "[webhook] user and password go together"},
        {"a short password", NO_SHARED SERVER_A "webhook_user = hook-a\nwebhook_password = short\n",
         .contains = "webhook_password must be at least 16 bytes"},
        /* each would speak for the other */
        {"two servers with one user",
         NO_SHARED SERVER_A "webhook_user = hook\nwebhook_password = 0123456789abcdef\n" SERVER_B
                            "webhook_user = hook\nwebhook_password = fedcba9876543210\n",
         .contains = "[server b] webhook_user 'hook' is [server a]'s too"},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("per-server credentials, no shared one",
            NO_SHARED SERVER_A "webhook_user = hook-a\nwebhook_password = 0123456789abcdef\n" SERVER_B
                               "webhook_user = hook-b\nwebhook_password = fedcba9876543210\n",
            &c);
    assert_null(c.webhook.user);
    assert_string_equal(c.servers[0].webhook_user, "hook-a");
    assert_string_equal(c.servers[1].webhook_password, "fedcba9876543210");
    conf_free(&c);
    conf_ok("no credential of its own, the shared one (migration)", MIN_CONF SERVER_A, &c);
    assert_string_equal(c.webhook.user, "janus");
    assert_null(c.servers[0].webhook_user);
    conf_free(&c);
    check_refusals(bad, N_CASES(bad));
}

/* [server NAME] record_dir (absolute, or beside the config file) and
 * link_mbps (a positive number). */
static void test_server_record_dir_link(void **state)
{
    static const struct refusal bad[] = {
        {"record_dir with a quote", MIN_CONF SERVER_A "record_dir = /a\"b\n", .contains = "record_dir must be a path"},
        {"link_mbps 0", MIN_CONF SERVER_A "link_mbps = 0\n", .contains = "link_mbps must be a number in (0, 1000000]"},
        {"link_mbps a word", MIN_CONF SERVER_A "link_mbps = fast\n", .contains = "link_mbps must be a number"},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("record_dir absolute and relative",
            MIN_CONF SERVER_A "record_dir = /var/lib/janus/recordings\nlink_mbps = 2500.5\n" SERVER_B
                              "record_dir = rec/b\n",
            &c);
    assert_string_equal(c.servers[0].record_dir, "/var/lib/janus/recordings");
    assert_true(c.servers[0].link_mbps > 2500.4 && c.servers[0].link_mbps < 2500.6);
    assert_string_equal(c.servers[1].record_dir, "./rec/b"); /* beside "t.conf", which has no directory */
    assert_true(c.servers[1].link_mbps == 0);                /* unknown */
    conf_free(&c);
    check_refusals(bad, N_CASES(bad));
}

static void test_trusted_proxies(void **state)
{
    static const struct refusal bad[] = {
        {"a host name", MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.5, proxy.example\n",
         .contains = "'proxy.example' is not an address or CIDR range"},
        {"a range with host bits", MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.1/8\n", .contains = "'10.0.0.1/8'"},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("three ranges", MIN_CONF "[limits]\ntrusted_proxies = 10.0.0.5, 10.0.1.0/24 fd00:1::/64\n", &c);
    assert_int_equal(c.limits.n_trusted, 3);
    assert_true(cidr_list_contains(c.limits.trusted, c.limits.n_trusted, "10.0.1.200"));
    assert_false(cidr_list_contains(c.limits.trusted, c.limits.n_trusted, "10.0.0.6"));
    conf_free(&c);
    conf_ok("none", MIN_CONF, &c);
    assert_int_equal(c.limits.n_trusted, 0); /* default: nobody's X-Forwarded-For is believed */
    conf_free(&c);
    check_refusals(bad, N_CASES(bad));
}

static void test_default_path(void **state)
{
    /* in order: each row sets MRB_CONFIG (NULL: unsets it) */
    static const struct {
        const char *name, *env, *want;
    } cases[] = {
        {"unset", NULL, "/etc/mrb/mrb.conf"},
        {"set", "/tmp/other.conf", "/tmp/other.conf"},
        {"empty: the default", "", "/etc/mrb/mrb.conf"},
        {"unset again", NULL, "/etc/mrb/mrb.conf"},
    };

    (void)state;
    assert_int_equal(unsetenv("MRB_CONFIG"), 0);
    assert_string_equal(conf_default_path(), CONF_DEFAULT_PATH);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        if (cases[i].env == NULL)
            case_int(cases[i].name, unsetenv("MRB_CONFIG"), 0);
        else
            case_int(cases[i].name, setenv("MRB_CONFIG", cases[i].env, 1), 0);
        case_str(cases[i].name, conf_default_path(), cases[i].want);
    }
}

static void test_error_buffer_truncation(void **state)
{
    char small[12];

    (void)state;
    /* a short errbuf is truncated, not overrun */
    memset(small, 'Z', sizeof(small));
    conf_refused("a 12-byte errbuf", MIN_CONF "[db]\nbogus = 1\n", small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small, "t.conf:10: ");
}

/* libinih keeps 49 bytes of a section name, so "[server NAME]" holds at
 * most 40 characters of NAME. Longer names are refused with a clear error
 * instead of being cut short (which would merge two servers into one). */
#define N40 "janus-production-eu-west-1-az-a-node-001" /* 40 characters */
#define N41 "janus-production-eu-west-1-az-a-node-0001"
#define N51 "janus-production-eu-west-1-az-a-node-0001-primary-1"
#define SRV_ONE "public_url = http://one/\nadmin_url = http://one/admin\nadmin_secret = admin-secret-one\ntoken_secret = token-secret-one\n"
static void test_server_long_names(void **state)
{
    static const struct refusal bad[] = {
        {"41 characters", MIN_CONF "[server " N41 "]\n" SRV_ONE, .contains = "bad server name"},
        {"51 characters", MIN_CONF "[server " N51 "]\n" SRV_ONE, .contains = "section name longer than 48"},
    };
    struct mrb_conf c;

    (void)state;
    conf_ok("40 characters", MIN_CONF "[server " N40 "]\n" SRV_ONE, &c);
    assert_int_equal(c.n_servers, 1);
    assert_string_equal(c.servers[0].name, N40);
    conf_free(&c);
    check_refusals(bad, N_CASES(bad));
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
             "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = pass-1234\n[auth]\njwt_secret = %s\n", secret);
    case_contains("a 269-byte line", conf_refused("a 269-byte line", text, errbuf, sizeof(errbuf)),
                  "t.conf:8: line longer than 198 bytes");

    conf_ok("8 TURN URLs over continuation lines",
            "[db]\nuser = u\ndatabase = d\n[webhook]\nuser = u\npassword = pass-1234\n[auth]\njwt_secret = " SECRET32 "\n"
            "[turn]\nsecret = turn-secret-s\n"
            "urls = turn:turn1.example.com:3478?transport=udp, turn:turn1.example.com:3478?transport=tcp,\n"
            "  turns:turn1.example.com:5349?transport=tcp, turn:turn2.example.com:3478?transport=udp,\n"
            "  turn:turn2.example.com:3478?transport=tcp, turns:turn2.example.com:5349?transport=tcp,\n"
            "  turn:turn3.example.com:3478?transport=udp, turns:turn3.example.com:5349?transport=tcp\n",
            &c);
    assert_int_equal(c.turn.n_urls, 8);
    assert_string_equal(c.turn.urls[0], "turn:turn1.example.com:3478?transport=udp");
    assert_string_equal(c.turn.urls[7], "turns:turn3.example.com:5349?transport=tcp");
    conf_free(&c);
}

/* Secrets: a placeholder from the example config or a weak value is
 * refused with the command that makes a good one; "@FILE" reads the value
 * from a file that others cannot read; no message ever shows a secret. */
static void test_secrets(void **state)
{
    static const struct refusal bad[] = {
        {"the example's jwt_secret placeholder",
         "[db]\nuser = mrb\ndatabase = mrb\n[auth]\njwt_secret = change-me-to-at-least-32-random-bytes\n",
         .equals = "t.conf:5: [auth] jwt_secret is the example config's placeholder: make one with: openssl rand "
                   "-base64 32"},
        {"the example's webhook_password placeholder",
         MIN_CONF "[server a]\nwebhook_password = change-me-16-bytes-or-more\n",
         .contains = "[server a] webhook_password is the example config's placeholder", .also = "openssl rand"},
        {"the example's admin_secret placeholder", MIN_CONF "[server a]\nadmin_secret = change-me\n",
         .contains = "[server a] admin_secret is the example config's placeholder"},
        {"the example's placeholder in capitals", MIN_CONF "[turn]\nsecret = CHANGE-ME\n",
         .contains = "[turn] secret is the example config's placeholder"},
        {"Janus's sample admin_secret", MIN_CONF "[server a]\nadmin_secret = janusoverlord\n",
         .contains = "[server a] admin_secret is a well-known placeholder", .lacks = "janusoverlord'"},
        {"one repeated character, long enough", MIN_CONF "[janus]\nadmin_key = aaaaaaaaaaaaaaaaaaaa\n",
         .contains = "[janus] admin_key is one repeated character", .lacks = "aaaa"},
        {"a 32-byte jwt_secret of one character", "[db]\nuser = mrb\ndatabase = mrb\n[auth]\njwt_secret = "
                                                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
         .contains = "[auth] jwt_secret is one repeated character", .lacks = "xxxx"},
        {"shorter than 8 bytes", MIN_CONF "[db]\npassword = abc1234\n",
         .contains = "[db] password is shorter than 8 bytes", .lacks = "abc1234"},
        {"a jwt_secret shorter than 32 bytes", "[db]\nuser = mrb\ndatabase = mrb\n[auth]\njwt_secret = short-but-not-weak\n",
         .contains = "[auth] jwt_secret must be at least 32 bytes", .lacks = "short-but"},
        {"a file that is not there", MIN_CONF "[turn]\nsecret = @/nonexistent/mrb-turn-secret\n",
         .contains = "[turn] secret: cannot read /nonexistent/mrb-turn-secret"},
    };
    char path[] = "/tmp/mrb-secret-XXXXXX", empty[] = "/tmp/mrb-secret-XXXXXX", placeholder[] = "/tmp/mrb-secret-XXXXXX";
    char errbuf[512];
    struct mrb_conf c;
    char text[1024];

    (void)state;
    check_refusals(bad, N_CASES(bad));

    /* from a file: its first line, without the newline; a CRLF file too */
    assert_int_equal(unit_temp_file(path, "turn-secret-from-a-file\r\nsecond line\n", 37), 0);
    assert_int_equal(chmod(path, 0600), 0);
    snprintf(text, sizeof(text), MIN_CONF "[turn]\nsecret = @%s\n[server a]\npublic_url = http://a/\n"
                                          "admin_url = http://a/\nadmin_secret = @%s\ntoken_secret = token-secret-a\n",
             path, path);
    conf_ok("secrets from a file", text, &c);
    case_str("secrets from a file: [turn] secret", c.turn.secret, "turn-secret-from-a-file");
    case_str("secrets from a file: [server a] admin_secret", c.servers[0].admin_secret, "turn-secret-from-a-file");
    conf_free(&c);

    /* a file others can read is refused, as a world-readable config is */
    assert_int_equal(chmod(path, 0644), 0);
    snprintf(text, sizeof(text), MIN_CONF "[turn]\nsecret = @%s\n", path);
    case_int("a world-readable secret file", conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)), -1);
    case_contains("a world-readable secret file", errbuf, "is readable by others");
    case_lacks("a world-readable secret file", errbuf, "turn-secret-from-a-file");
    assert_int_equal(chmod(path, 0600), 0);

    /* the file's value is checked like any other */
    assert_int_equal(unit_temp_file(placeholder, "change-me\n", 10), 0);
    assert_int_equal(chmod(placeholder, 0600), 0);
    snprintf(text, sizeof(text), MIN_CONF "[db]\npassword = @%s\n", placeholder);
    case_int("a placeholder in a file", conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)), -1);
    case_contains("a placeholder in a file", errbuf, "[db] password is the example config's placeholder");

    assert_int_equal(unit_temp_file(empty, "\n", 1), 0);
    assert_int_equal(chmod(empty, 0600), 0);
    snprintf(text, sizeof(text), MIN_CONF "[db]\npassword = @%s\n", empty);
    case_int("an empty secret file", conf_load_string(text, "t.conf", &c, errbuf, sizeof(errbuf)), -1);
    case_contains("an empty secret file", errbuf, "is empty");
    unlink(path);
    unlink(placeholder);
    unlink(empty);

    case_str("conf_secret_weakness: a good one", conf_secret_weakness("N3w7pQ0vKx1sYt2Z"), NULL);
    case_str("conf_secret_weakness: 'password'", conf_secret_weakness("Password"), "is a well-known placeholder");
}

/* mrbctl config get prints what the programs use: a key the file leaves
 * out has its default; a known key without one is empty; an unknown one
 * is refused. */
static void test_defaults_for_scripts(void **state)
{
    static const struct {
        const char *name, *section, *key;
        int rc;
        const char *want;
    } cases[] = {
        {"a number's default", "limits", "key_failures_per_room", 1, "10"},
        {"another", "rooms", "seat_grace", 1, "60"},
        {"a fraction", "score", "cpu", 1, "35"},
        {"the algorithm", "auth", "jwt_alg", 1, "HS256"},
        {"a string filled in by validation", "auth", "host_claim", 1, "role"},
        {"the spool directory", "webhook", "spool_dir", 1, "/var/spool/mrb"},
        {"a server's weight", "server  janus-a", "weight", 1, "1"},
        {"a server's enabled", "server janus-a", "enabled", 1, "true"},
        {"a server key without a default", "server janus-a", "admin_url", 0, ""},
        {"a key without a default", "db", "password", 0, ""},
        {"an unknown key", "db", "nope", -1, ""},
        {"an unknown section", "room", "seat_grace", -1, ""},
        {"an unknown server key", "server a", "nope", -1, ""},
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        case_int(cases[i].name, conf_default(cases[i].section, cases[i].key, out, sizeof(out)), cases[i].rc);
        case_str(cases[i].name, out, cases[i].want);
    }
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
        cmocka_unit_test(test_server_network),
        cmocka_unit_test(test_conf_load_missing_file),
        cmocka_unit_test(test_conf_load_dev_conf),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_error_buffer_truncation),
        cmocka_unit_test(test_server_long_names),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_defaults_for_scripts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
