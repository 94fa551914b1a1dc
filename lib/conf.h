#ifndef MRB_CONF_H
#define MRB_CONF_H

/* The configuration file (INI, read with libinih): every global key with
 * its type and range in one table (conf.c), one [server NAME] section per
 * media server, and the raw lookups scripts make through mrbctl config get
 * and config servers, which need no database. */

#include <stddef.h>

#include "cidr.h"

#define CONF_DEFAULT_PATH "/etc/mrb/mrb.conf"
#define CONF_MAX_URLS 8
#define CONF_MAX_DB_NODES 8
#define CONF_MAX_LINE 198       /* libinih's line buffer, as Debian builds it */
#define CONF_SERVER_NAME_MAX 40 /* "[server NAME]" must fit libinih's 49-byte section */
#define CONF_WEBHOOK_PASSWORD_MIN 16
#define CONF_SECRET_MIN 8 /* bytes: any secret shorter is refused (jwt_secret and webhook passwords need more) */
#define CONF_SECRET_MIN_TEXT "8"
#define CONF_MAX_NET_DEVICES 8

enum conf_jwt_alg { CONF_JWT_HS256, CONF_JWT_RS256, CONF_JWT_ES256 };

/* One [server NAME] section. */
struct conf_server {
    char *name;
    char *public_url;
    char *admin_url;
    char *admin_secret;
    char *token_secret;
    char *metrics_url;
    char *record_dir; /* absolute path on the media server's host where it writes recordings (or NULL) */
    char *webhook_user, *webhook_password; /* this server's own event-handler credential (or NULL) */
    double weight;
    double link_mbps; /* its network link's capacity, the score's network term (0: unknown) */
    char *net_devices; /* "eth0,eth1": the interfaces whose transmit counts (NULL: every one but lo) */
    char *region; /* where it runs ("eu-west"), or NULL */
    char *tags;   /* what it can do, canonical ("gpu,sip": sorted, no repeats), or NULL */
    int enabled;
};

/* An application endpoint that MRB's events are sent to ([notify] url and
 * secret, named "default", or an [endpoint NAME] section). */
struct conf_endpoint {
    char *name;
    char *url;
    char *secret;             /* as written: "whsec_" and base64, or base64 */
    unsigned char key[64];    /* the signing key: the secret, decoded */
    size_t key_len;           /* CONF_ENDPOINT_KEY_MIN..64 */
    char *types;              /* the event types it wants, comma-separated (NULL: all) */
};

#define CONF_ENDPOINT_KEY_MIN 32 /* bytes of signing key, decoded */

/* The whole configuration, loaded and validated once at start-up.
 * Every key is documented in conf/mrb.conf.example. */
struct mrb_conf {
    char *path;
    struct {
        char *host, *user, *password, *database, *socket;
        long port;
        char *hosts; /* "host:port, host:port, ...": the nodes, in order of preference */
        /* The nodes to use, first preferred: from hosts, else host/port/socket. */
        struct conf_db_node {
            char host[256];
            long port;
        } nodes[CONF_MAX_DB_NODES];
        size_t n_nodes;
        long connect_timeout_ms; /* a node that does not answer within this is skipped */
        long failback_s;         /* back to an earlier node once it has been ready this long */
        long io_timeout_s;       /* a statement whose answer takes longer counts as a lost connection */
        /* TLS to every node, on when tls_ca is set: the server's certificate
         * is verified against tls_ca (and its name against the host's unless
         * tls_verify_server_name is 0); tls_cert/tls_key: a client certificate. */
        char *tls_ca, *tls_cert, *tls_key;
        long tls_verify_server_name;
    } db;
    struct {
        enum conf_jwt_alg alg;
        char *secret;          /* HS256 */
        char *public_key_path; /* RS256 / ES256 */
        unsigned char *public_key;
        size_t public_key_len;
        char *issuer, *audience;
        long leeway;
        char *host_claim, *host_value, *admin_value;
    } auth;
    struct {
        char *user, *password; /* shared by every server: accepted for migration, with a warning */
        char *spool_dir; /* batches wait here while MariaDB is down */
    } webhook;
    struct {
        char *urls[CONF_MAX_URLS];
        size_t n_urls;
        char *stun_urls[CONF_MAX_URLS];
        size_t n_stun_urls;
        char *secret;               /* TURN REST (use-auth-secret) */
        char *username, *credential; /* static credentials */
        long credential_ttl;
    } turn;
    struct {
        long default_ttl, max_ttl;
        long default_max_participants, max_participants;
        long token_max_ttl;
        long seat_grace; /* seconds a seat waits for its user to connect */
        long retain_days; /* ended rooms are purged this long after they ended (0: kept for ever) */
    } rooms;
    struct {
        char *admin_key;
        char *tls_ca; /* CA file for https:// admin URLs (else the system's) */
        long connect_timeout_ms, timeout_ms;
        long probe_timeout_ms; /* a client's report of an unreachable server: /info within this */
    } janus;
    struct {
        double cpu, mem, sessions, handles, sockets;
        double fallback;
        double network; /* per percent of link_mbps transmitted (measured + pending egress) */
        long interval; /* health poll interval: metrics older than 3 count as missing */
        char *strategy; /* "spread" (least loaded first) or "pack" (fullest under pack_limit first) */
        int pack;       /* strategy is "pack" */
        double limit;      /* a server whose score (with its bookings) would pass this is full */
        double pack_limit; /* pack fills a server up to this score before opening another */
        double seat;       /* what one person adds to a score: the cost of a booked, unfilled seat */
        long booking_hold; /* s: an empty room older than this no longer books its seats */
        long rebalance;    /* an empty room moves as its first person arrives, when its server is over limit */
    } score;
    struct {
        long fail_threshold; /* consecutive failed polls before a server is down */
        long timeout_ms;     /* per poll request */
        long run_seconds;    /* one cron run loops this long, then exits */
        long drain_rate;     /* busy rooms a second a drain moves past its deadline */
    } health;
    struct {
        long window;        /* s: members' reports of one room's server count together */
        long room_interval; /* s: at most one move for reports per room in this long */
        long server_rate;   /* rooms moved off one server for reports per minute */
        long suspect_for;   /* s: new rooms avoid the server; a room does not go back */
    } reports;
    struct {
        long room_failures;   /* wrong keys for one room per window before 429 (0: off) */
        long client_failures; /* wrong keys from one client address per window (0: off) */
        long window;          /* seconds */
        char *trusted_proxies; /* as written */
        struct cidr *trusted;  /* parsed: REMOTE_ADDRs whose X-Forwarded-For is believed */
        size_t n_trusted;
    } limits;
    struct {
        long parallel;  /* concurrent destroy requests */
        long max_rooms; /* rooms handled per run */
    } expire;
    struct conf_server *servers;
    size_t n_servers;
    struct {
        long retry_for;  /* s: an event not delivered by then is failed */
        long timeout_ms; /* per delivery attempt */
        long parallel;   /* deliveries in flight (different rooms) */
        struct conf_endpoint *endpoints;
        size_t n_endpoints;
    } notify;
};

/* Logged by every program at start, and shown by mrbctl status, while the
 * shared [webhook] credential is set (see webhook_auth.h). */
#define CONF_SHARED_WEBHOOK_WARNING                                                                          \
    "the shared [webhook] credential is set: any media server holding it can post events about every "   \
    "other server (mark it down, move its rooms). Give each [server NAME] its own webhook_user and "      \
    "webhook_password, then remove [webhook] user and password (docs/SECURITY.md)"

/* Said with every "cannot open" of the config: how to name another one. */
#define CONF_OTHER_FILE_HINT "(-c FILE or MRB_CONFIG choose another file)"

/* $MRB_CONFIG when set and not empty, else CONF_DEFAULT_PATH. Not owned. */
const char *conf_default_path(void);

/* One value as the parser reads it, without loading or checking the rest of
 * the file: for scripts (mrbctl config get), which must read the same file
 * the same way as the programs. Section names compare with inner blanks
 * squeezed ("server  a" is "server a"). Returns 1 with the value in out, 0
 * when absent (out ""), -1 when the file cannot be read. */
int conf_get_raw(const char *path, const char *section, const char *key, char *out, size_t len);

/* The value the programs use for a key that the file does not set: 1 with
 * it in out, 0 for a known key without a default (out ""), -1 for a key
 * the programs do not know. Section names compare as in conf_get_raw(). */
int conf_default(const char *section, const char *key, char *out, size_t len);

/* Calls fn with the NAME of each "[server NAME]" section of path, in file
 * order (a section split in two parts is reported at each part). Returns 0,
 * or -1 when the file cannot be read. */
typedef void (*conf_section_fn)(const char *name, void *ctx);
int conf_each_server(const char *path, conf_section_fn fn, void *ctx);

/* Loads and validates path into c (which the caller zeroes or not: it is
 * overwritten). On error returns -1 and writes "file:line: reason" to errbuf;
 * c is then left freed. On success the caller owns c and frees it with
 * conf_free(). */
int conf_load(const char *path, struct mrb_conf *c, char *errbuf, size_t errlen);
/* Same, from a string (unit tests); name is used in error messages. */
int conf_load_string(const char *text, const char *name, struct mrb_conf *c, char *errbuf, size_t errlen);
void conf_free(struct mrb_conf *c);

/* Why a secret must not be used, or NULL when it may: one of the example
 * config's placeholders or another well-known one, one repeated character,
 * or shorter than CONF_SECRET_MIN. Static text. */
const char *conf_secret_weakness(const char *v);

/* 1 when url is http:// (not https://) to a host that is not loopback
 * (127.0.0.0/8, ::1, localhost): an admin URL that carries the admin
 * secret and the rooms' secrets in clear over a network. */
int conf_url_plaintext_remote(const char *url);

/* 1 when n is a valid server name: 1-40 of A-Z a-z 0-9 - _ . */
int conf_valid_server_name(const char *n);
/* 1 when v is an http:// or https:// URL. */
int conf_valid_url(const char *v);

#define CONF_REGION_MAX 32
#define CONF_TAG_MAX 32
#define CONF_TAGS_MAX 8
#define CONF_TAGS_LEN (CONF_TAGS_MAX * (CONF_TAG_MAX + 1))

/* 1 when r is a region name: 1-32 of a-z 0-9 - _ . (lower case, so "EU"
 * and "eu" cannot be two regions by accident). */
int conf_valid_region(const char *r);

/* The tags of the comma-separated list in, each 1-32 of a-z 0-9 - _ .,
 * at most 8, written to out (CONF_TAGS_LEN bytes) in their canonical form:
 * sorted, without repeats, comma-joined ("" for none). Returns 0, or -1
 * when a tag is invalid or there are too many. */
int conf_tags_canon(const char *in, char *out, size_t len);

/* 1 when every tag of want (canonical) is among have's (canonical). */
int conf_tags_cover(const char *have, const char *want);

#endif
