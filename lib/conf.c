/* The configuration file (conf.h): libinih's callback over the key table
 * and the [server NAME] sections, the checks across sections, and the raw
 * lookups of mrbctl config. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "util.h"

enum key_type { K_STR, K_LONG, K_DOUBLE, K_URLS, K_ALG, K_BOOL };

/* A typed table of every global key: one place to read what is accepted. */
struct key {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    double min, max;
};

#define OFF(field) offsetof(struct mrb_conf, field)
static const struct key keys[] = {
    {"db", "host", K_STR, OFF(db.host), 0, 0},
    {"db", "port", K_LONG, OFF(db.port), 0, 65535},
    {"db", "user", K_STR, OFF(db.user), 0, 0},
    {"db", "password", K_STR, OFF(db.password), 0, 0},
    {"db", "database", K_STR, OFF(db.database), 0, 0},
    {"db", "socket", K_STR, OFF(db.socket), 0, 0},
    {"db", "hosts", K_STR, OFF(db.hosts), 0, 0},
    {"db", "connect_timeout_ms", K_LONG, OFF(db.connect_timeout_ms), 100, 60000},
    {"db", "failback_s", K_LONG, OFF(db.failback_s), 0, 86400},
    {"db", "io_timeout_s", K_LONG, OFF(db.io_timeout_s), 1, 3600},
    {"db", "tls_ca", K_STR, OFF(db.tls_ca), 0, 0},
    {"db", "tls_cert", K_STR, OFF(db.tls_cert), 0, 0},
    {"db", "tls_key", K_STR, OFF(db.tls_key), 0, 0},
    {"db", "tls_verify_server_name", K_BOOL, OFF(db.tls_verify_server_name), 0, 1},
    {"auth", "jwt_alg", K_ALG, OFF(auth.alg), 0, 0},
    {"auth", "jwt_secret", K_STR, OFF(auth.secret), 0, 0},
    {"auth", "jwt_public_key", K_STR, OFF(auth.public_key_path), 0, 0},
    {"auth", "jwt_issuer", K_STR, OFF(auth.issuer), 0, 0},
    {"auth", "jwt_audience", K_STR, OFF(auth.audience), 0, 0},
    {"auth", "jwt_leeway", K_LONG, OFF(auth.leeway), 0, 3600},
    {"auth", "host_claim", K_STR, OFF(auth.host_claim), 0, 0},
    {"auth", "host_value", K_STR, OFF(auth.host_value), 0, 0},
    {"auth", "admin_value", K_STR, OFF(auth.admin_value), 0, 0},
    {"webhook", "user", K_STR, OFF(webhook.user), 0, 0},
    {"webhook", "password", K_STR, OFF(webhook.password), 0, 0},
    {"turn", "urls", K_URLS, OFF(turn.urls), 0, 0},
    {"turn", "stun_urls", K_URLS, OFF(turn.stun_urls), 0, 0},
    {"turn", "secret", K_STR, OFF(turn.secret), 0, 0},
    {"turn", "username", K_STR, OFF(turn.username), 0, 0},
    {"turn", "credential", K_STR, OFF(turn.credential), 0, 0},
    {"turn", "credential_ttl", K_LONG, OFF(turn.credential_ttl), 60, 7 * 86400},
    {"turn", "realm", K_STR, 0, 0, 0}, /* read by the dev stack only */
    {"rooms", "default_ttl", K_LONG, OFF(rooms.default_ttl), 10, 366L * 86400},
    {"rooms", "max_ttl", K_LONG, OFF(rooms.max_ttl), 10, 366L * 86400},
    {"rooms", "default_max_participants", K_LONG, OFF(rooms.default_max_participants), 2, 10000},
    {"rooms", "max_participants", K_LONG, OFF(rooms.max_participants), 2, 10000},
    {"rooms", "token_max_ttl", K_LONG, OFF(rooms.token_max_ttl), 60, 366L * 86400},
    {"rooms", "seat_grace", K_LONG, OFF(rooms.seat_grace), 5, 3600},
    {"rooms", "retain_days", K_LONG, OFF(rooms.retain_days), 0, 3650},
    {"webhook", "spool_dir", K_STR, OFF(webhook.spool_dir), 0, 0},
    {"janus", "admin_key", K_STR, OFF(janus.admin_key), 0, 0},
    {"janus", "tls_ca", K_STR, OFF(janus.tls_ca), 0, 0},
    {"janus", "connect_timeout_ms", K_LONG, OFF(janus.connect_timeout_ms), 1, 60000},
    {"janus", "timeout_ms", K_LONG, OFF(janus.timeout_ms), 1, 120000},
    {"janus", "probe_timeout_ms", K_LONG, OFF(janus.probe_timeout_ms), 100, 30000},
    {"score", "cpu", K_DOUBLE, OFF(score.cpu), 0, 1000},
    {"score", "mem", K_DOUBLE, OFF(score.mem), 0, 1000},
    {"score", "sessions", K_DOUBLE, OFF(score.sessions), 0, 1000},
    {"score", "handles", K_DOUBLE, OFF(score.handles), 0, 1000},
    {"score", "sockets", K_DOUBLE, OFF(score.sockets), 0, 1000},
    {"score", "fallback", K_DOUBLE, OFF(score.fallback), 0, 1e9},
    {"score", "network", K_DOUBLE, OFF(score.network), 0, 1000},
    {"score", "strategy", K_STR, OFF(score.strategy), 0, 0},
    {"score", "limit", K_DOUBLE, OFF(score.limit), 1, 1e6},
    {"score", "pack_limit", K_DOUBLE, OFF(score.pack_limit), 1, 1e6},
    {"score", "seat", K_DOUBLE, OFF(score.seat), 0, 1000},
    {"score", "booking_hold", K_LONG, OFF(score.booking_hold), 60, 366L * 86400},
    {"score", "rebalance", K_BOOL, OFF(score.rebalance), 0, 1},
    {"health", "interval", K_LONG, OFF(score.interval), 1, 60},
    {"health", "fail_threshold", K_LONG, OFF(health.fail_threshold), 1, 100},
    {"health", "timeout_ms", K_LONG, OFF(health.timeout_ms), 100, 30000},
    {"health", "run_seconds", K_LONG, OFF(health.run_seconds), 1, 3600},
    {"health", "drain_rate", K_LONG, OFF(health.drain_rate), 1, 100},
    {"reports", "window", K_LONG, OFF(reports.window), 5, 600},
    {"reports", "room_interval", K_LONG, OFF(reports.room_interval), 10, 86400},
    {"reports", "server_rate", K_LONG, OFF(reports.server_rate), 1, 100000},
    {"reports", "suspect_for", K_LONG, OFF(reports.suspect_for), 10, 86400},
    {"limits", "key_failures_per_room", K_LONG, OFF(limits.room_failures), 0, 1000000},
    {"limits", "key_failures_per_client", K_LONG, OFF(limits.client_failures), 0, 1000000},
    {"limits", "key_failure_window", K_LONG, OFF(limits.window), 1, 86400},
    {"limits", "trusted_proxies", K_STR, OFF(limits.trusted_proxies), 0, 0},
    {"expire", "parallel", K_LONG, OFF(expire.parallel), 1, 256},
    {"notify", "retry_for", K_LONG, OFF(notify.retry_for), 60, 7 * 86400},
    {"notify", "timeout_ms", K_LONG, OFF(notify.timeout_ms), 100, 60000},
    {"notify", "parallel", K_LONG, OFF(notify.parallel), 1, 256},
    {"expire", "max_rooms", K_LONG, OFF(expire.max_rooms), 1, 1000000},
};
#undef OFF

#define SERVER_PREFIX "server "
#define ENDPOINT_PREFIX "endpoint "

struct parse_ctx {
    struct mrb_conf *c;
    const char *name;
    int failed;
    char reason[200];
};

/* Records the first failure's reason; libinih reports its line number as the
 * parse result, which load() joins to it. Returns 0, inih's "error" value. */
/* Records the first reason the file is refused; later ones add nothing. */
static int fail(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse_ctx *p, const char *fmt, ...)
{
    va_list ap;

    if (!p->failed) {
        va_start(ap, fmt);
        vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
        va_end(ap);
        p->failed = 1;
    }
    return 0;
}

static int parse_long(const char *v, long *out)
{
    char *end;

    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

static int parse_double(const char *v, double *out)
{
    char *end;

    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end != '\0' || d != d)
        return -1;
    *out = d;
    return 0;
}

/* Appends "a, b ,c" as trimmed strings, at most CONF_MAX_URLS in all.
 * Appending lets a long list continue on indented lines (inih multiline). */
static int parse_urls(const char *v, char **out, size_t *n)
{
    const char *p = v;

    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ')
            end++;
        if (*n == CONF_MAX_URLS)
            return -1;
        out[(*n)++] = strndup(p, (size_t)(end - p));
        p = end;
    }
    return 0;
}

static struct conf_server *server_get(struct mrb_conf *c, const char *name)
{
    for (size_t i = 0; i < c->n_servers; i++)
        if (strcmp(c->servers[i].name, name) == 0)
            return &c->servers[i];
    struct conf_server *s = realloc(c->servers, (c->n_servers + 1) * sizeof(*s));
    if (s == NULL)
        return NULL;
    c->servers = s;
    s = &c->servers[c->n_servers++];
    memset(s, 0, sizeof(*s));
    s->name = strdup(name);
    s->weight = 1.0;
    s->enabled = 1;
    return s;
}

int conf_url_plaintext_remote(const char *url)
{
    const char *host, *end;
    char name[256];
    size_t n;

    if (strncasecmp(url, "http://", 7) != 0)
        return 0;
    host = url + 7;
    if (*host == '[') { /* [v6]:port */
        end = strchr(host, ']');
        if (end == NULL)
            return 1;
        host++;
    } else
        end = host + strcspn(host, ":/?#");
    n = (size_t)(end - host);
    if (n == 0 || n >= sizeof(name))
        return 1;
    memcpy(name, host, n);
    name[n] = '\0';
    if (strcasecmp(name, "localhost") == 0 || strcmp(name, "::1") == 0)
        return 0;
    return strncmp(name, "127.", 4) != 0;
}

int conf_valid_url(const char *v)
{
    return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

static int tag_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

int conf_valid_region(const char *r)
{
    size_t len = strlen(r);

    if (len == 0 || len > CONF_REGION_MAX)
        return 0;
    for (; *r; r++)
        if (!tag_char(*r))
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int conf_tags_canon(const char *in, char *out, size_t len)
{
    char buf[CONF_TAGS_LEN * 2], *tags[CONF_TAGS_MAX + 1], *save, *t;
    size_t n = 0, used = 0;

    if (len < CONF_TAGS_LEN || strlen(in) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", in);
    out[0] = '\0';
    /* strsep, not strtok: "a,,b" has an empty tag (a typo), refused */
    for (save = buf; buf[0] && (t = strsep(&save, ",")) != NULL;) {
        while (*t == ' ' || *t == '\t')
            t++;
        for (char *e = t + strlen(t); e > t && (e[-1] == ' ' || e[-1] == '\t');)
            *--e = '\0';
        if (*t == '\0' || strlen(t) > CONF_TAG_MAX || n == CONF_TAGS_MAX)
            return -1;
        for (const char *c = t; *c; c++)
            if (!tag_char(*c))
                return -1;
        tags[n++] = t;
    }
    qsort(tags, n, sizeof(*tags), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(tags[i], tags[i - 1]) == 0)
            continue;
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", tags[i]);
    }
    return 0;
}

int conf_tags_cover(const char *have, const char *want)
{
    const char *w = want;

    while (w && *w) {
        const char *end = strchr(w, ',');
        size_t wl = end ? (size_t)(end - w) : strlen(w);
        const char *h = have;
        int found = 0;
        while (h && *h && !found) {
            const char *hend = strchr(h, ',');
            size_t hl = hend ? (size_t)(hend - h) : strlen(h);
            found = hl == wl && strncmp(h, w, wl) == 0;
            h = hend ? hend + 1 : NULL;
        }
        if (!found)
            return 0;
        w = end ? end + 1 : NULL;
    }
    return 1;
}

int conf_valid_server_name(const char *n)
{
    size_t len = strlen(n);

    if (len == 0 || len > CONF_SERVER_NAME_MAX)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

/* "eth0, eth1" -> "eth0,eth1" in out: the form promtext_parse() matches device
 * labels against. Each name is 1-15 characters (Linux's IFNAMSIZ) of the
 * server names' set, which every interface name a node exporter labels is
 * in. Returns 0, or -1 when a name is invalid or there are more than
 * CONF_MAX_NET_DEVICES. */
static int net_devices_list(const char *value, char *out, size_t outlen)
{
    size_t used = 0, count = 0;
    const char *p = value;

    for (;;) {
        char name[16];
        size_t len;
        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, ", \t");
        if (len >= sizeof(name) || ++count > CONF_MAX_NET_DEVICES || used + len + 2 > outlen)
            return -1;
        memcpy(name, p, len);
        name[len] = '\0';
        if (!conf_valid_server_name(name))
            return -1;
        used += (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "," : "", name);
        p += len;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return 0;
        if (*p++ != ',')
            return -1;
    }
}

/* The keys whose values are secrets: given as @FILE they are read from
 * FILE, and a placeholder or a weak value is refused. */
static int is_secret(const char *section, const char *name)
{
    static const char *const secrets[][2] = {{"db", "password"}, {"auth", "jwt_secret"}, {"webhook", "password"},
                                             {"turn", "secret"},  {"turn", "credential"},  {"janus", "admin_key"},
                                             {"server", "admin_secret"}, {"server", "token_secret"},
                                             {"server", "webhook_password"}, {"notify", "secret"},
                                             {"endpoint", "secret"}};
    int server = strncmp(section, SERVER_PREFIX, strlen(SERVER_PREFIX)) == 0;
    int endpoint = strncmp(section, ENDPOINT_PREFIX, strlen(ENDPOINT_PREFIX)) == 0;
    const char *kind = server ? "server" : endpoint ? "endpoint" : section;

    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        if (strcmp(secrets[i][0], kind) == 0 && strcmp(secrets[i][1], name) == 0)
            return 1;
    return 0;
}

const char *conf_secret_weakness(const char *v)
{
    static const char *const placeholders[] = {"changeme", "change_me", "secret", "password", "janusoverlord",
                                               "static-pass", NULL};
    size_t len = strlen(v), same = 1;

    if (strncasecmp(v, "change-me", 9) == 0)
        return "is the example config's placeholder";
    for (size_t i = 0; placeholders[i]; i++)
        if (strcasecmp(v, placeholders[i]) == 0)
            return "is a well-known placeholder";
    while (same < len && v[same] == v[0])
        same++;
    if (len > 0 && same == len)
        return "is one repeated character";
    if (len < CONF_SECRET_MIN)
        return "is shorter than " CONF_SECRET_MIN_TEXT " bytes";
    return NULL;
}

/* A secret's value: itself, or with "@FILE" the first line of FILE, which
 * must not be readable by others (as the config itself). Refused when
 * shorter than min bytes or weak. Returns a malloc'd string, or NULL after
 * fail(). */
static char *secret_value(struct parse_ctx *p, const char *label, const char *value, size_t min)
{
    const char *weak;
    char line[1024];
    struct stat st;
    FILE *f;
    char *v;

    if (value[0] != '@')
        v = strdup(value);
    else {
        f = fopen(value + 1, "r");
        if (f == NULL)
            return fail(p, "%s: cannot read %s: %s", label, value + 1, strerror(errno)), NULL;
        if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH)) {
            fclose(f);
            return fail(p, "%s: %s is readable by others: chmod o-rwx it (0600 or 0640, owned by the program's "
                        "user or group)", label, value + 1), NULL;
        }
        if (fgets(line, sizeof(line), f) == NULL)
            line[0] = '\0';
        fclose(f);
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            return fail(p, "%s: %s is empty", label, value + 1), NULL;
        v = strdup(line);
    }
    if (v == NULL)
        return fail(p, "out of memory"), NULL;
    if (strlen(v) < min) {
        free(v);
        return fail(p, "%s must be at least %zu bytes: make one with: openssl rand -base64 32", label, min), NULL;
    }
    if ((weak = conf_secret_weakness(v)) != NULL) {
        free(v);
        return fail(p, "%s %s: make one with: openssl rand -base64 32", label, weak), NULL;
    }
    return v;
}

/* A '#' after a blank in a value that is not a secret: an inline comment,
 * which the format does not have (only " ;" starts one). */
static int inline_hash(const char *value)
{
    for (const char *h = strchr(value, '#'); h; h = strchr(h + 1, '#'))
        if (h > value && (h[-1] == ' ' || h[-1] == '\t'))
            return 1;
    return 0;
}

static int server_key(struct parse_ctx *p, const char *sname, const char *name, const char *value)
{
    struct conf_server *s;
    char **slot = NULL;

    if (!conf_valid_server_name(sname))
        return fail(p, "bad server name '%s' (1-40 of A-Z a-z 0-9 - _ .)", sname);
    s = server_get(p->c, sname);
    if (s == NULL)
        return fail(p, "out of memory");
    if (is_secret(SERVER_PREFIX, name)) {
        char label[96], *v;
        char **dst = strcmp(name, "admin_secret") == 0   ? &s->admin_secret
                     : strcmp(name, "token_secret") == 0 ? &s->token_secret
                                                         : &s->webhook_password;
        snprintf(label, sizeof(label), "[server %s] %s", sname, name);
        if ((v = secret_value(p, label, value, dst == &s->webhook_password ? CONF_WEBHOOK_PASSWORD_MIN : 0)) ==
            NULL)
            return 0;
        free(*dst);
        *dst = v;
        return 1;
    }
    if (inline_hash(value))
        return fail(p, "[server %s] %s = '%s': an inline comment is not allowed (put it on a line of its own)",
                    sname, name, value);
    if (strcmp(name, "public_url") == 0)
        slot = &s->public_url;
    else if (strcmp(name, "admin_url") == 0)
        slot = &s->admin_url;
    else if (strcmp(name, "metrics_url") == 0)
        slot = &s->metrics_url;
    else if (strcmp(name, "webhook_user") == 0)
        slot = &s->webhook_user;
    else if (strcmp(name, "record_dir") == 0) {
        /* Janus writes there: a path Janus's request can carry as is. A
         * relative one is taken beside this file (the dev stack's Janus
         * runs on this host); in production it is the media server's own. */
        if (value[0] == '\0' || strlen(value) > 200 || strpbrk(value, "\"\\") != NULL)
            return fail(p, "[server %s] record_dir must be a path of at most 200 bytes without quotes or "
                        "backslashes, not '%s'", sname, value);
        slot = &s->record_dir;
    }
    else if (strcmp(name, "net_devices") == 0) {
        char list[CONF_MAX_LINE];
        if (net_devices_list(value, list, sizeof(list)) != 0)
            return fail(p, "[server %s] net_devices must list 1-%d interface names (1-15 of A-Z a-z 0-9 - _ .), "
                        "comma-separated, not '%s'", sname, CONF_MAX_NET_DEVICES, value);
        free(s->net_devices);
        s->net_devices = strdup(list);
        return s->net_devices ? 1 : fail(p, "out of memory");
    } else if (strcmp(name, "region") == 0) {
        if (!conf_valid_region(value))
            return fail(p, "[server %s] region must be 1-%d of a-z 0-9 - _ ., not '%s'", sname, CONF_REGION_MAX,
                        value);
        slot = &s->region;
    } else if (strcmp(name, "tags") == 0) {
        char canon[CONF_TAGS_LEN];
        if (conf_tags_canon(value, canon, sizeof(canon)) != 0)
            return fail(p, "[server %s] tags must list at most %d tags of 1-%d of a-z 0-9 - _ ., comma-separated, "
                        "not '%s'", sname, CONF_TAGS_MAX, CONF_TAG_MAX, value);
        free(s->tags);
        s->tags = canon[0] ? strdup(canon) : NULL;
        return 1;
    } else if (strcmp(name, "link_mbps") == 0) {
        if (parse_double(value, &s->link_mbps) != 0 || s->link_mbps <= 0 || s->link_mbps > 1000000)
            return fail(p, "link_mbps must be a number in (0, 1000000], not '%s'", value);
        return 1;
    } else if (strcmp(name, "weight") == 0) {
        if (parse_double(value, &s->weight) != 0 || s->weight <= 0 || s->weight > 1000)
            return fail(p, "weight must be a number in (0, 1000], not '%s'", value);
        return 1;
    } else if (strcmp(name, "enabled") == 0) {
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            s->enabled = 1;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
            s->enabled = 0;
        else
            return fail(p, "enabled must be true or false, not '%s'", value);
        return 1;
    } else
        return fail(p, "unknown key '%s' in [server %s]", name, sname);
    if ((strcmp(name, "public_url") == 0 || strcmp(name, "admin_url") == 0 ||
         strcmp(name, "metrics_url") == 0) &&
        !conf_valid_url(value))
        return fail(p, "%s must be an http:// or https:// URL, not '%s'", name, value);
    free(*slot);
    *slot = strdup(value);
    return 1;
}

static struct conf_endpoint *endpoint_get(struct mrb_conf *c, const char *name)
{
    for (size_t i = 0; i < c->notify.n_endpoints; i++)
        if (strcmp(c->notify.endpoints[i].name, name) == 0)
            return &c->notify.endpoints[i];
    struct conf_endpoint *e = realloc(c->notify.endpoints, (c->notify.n_endpoints + 1) * sizeof(*e));
    if (e == NULL)
        return NULL;
    c->notify.endpoints = e;
    e = &c->notify.endpoints[c->notify.n_endpoints++];
    memset(e, 0, sizeof(*e));
    e->name = strdup(name);
    return e->name ? e : NULL;
}

/* An event type list: comma-separated names of a-z . _ (checked against
 * the known types by notify.c at start). */
static int valid_types(const char *v)
{
    if (*v == '\0')
        return 0;
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || *v == '.' || *v == '_' || *v == ',' || *v == ' '))
            return 0;
    return 1;
}

/* A key of [endpoint NAME], or url/secret/types of [notify] (the endpoint
 * "default"). The secret is a Standard Webhooks secret: "whsec_" and the
 * base64 of the signing key (or the base64 alone), at least 32 bytes. */
static int endpoint_key(struct parse_ctx *p, const char *label, const char *ename, const char *name, const char *value)
{
    struct conf_endpoint *e;

    if (!conf_valid_server_name(ename))
        return fail(p, "bad endpoint name '%s' (1-40 of A-Z a-z 0-9 - _ .)", ename);
    if ((e = endpoint_get(p->c, ename)) == NULL)
        return fail(p, "out of memory");
    if (strcmp(name, "secret") == 0) {
        char *v = secret_value(p, label, value, 0);
        const char *b64;
        int n;
        if (v == NULL)
            return 0;
        b64 = strncmp(v, "whsec_", 6) == 0 ? v + 6 : v;
        n = util_base64_decode(b64, strlen(b64), e->key, sizeof(e->key));
        if (n < CONF_ENDPOINT_KEY_MIN) {
            free(v);
            return fail(p, "%s must be \"whsec_\" and the base64 of %d to 64 random bytes (make one with: echo "
                        "whsec_$(openssl rand -base64 32))", label, CONF_ENDPOINT_KEY_MIN);
        }
        e->key_len = (size_t)n;
        free(e->secret);
        e->secret = v;
        return 1;
    }
    if (inline_hash(value))
        return fail(p, "%s = '%s': an inline comment is not allowed (put it on a line of its own)", label, value);
    if (strcmp(name, "url") == 0) {
        if (!conf_valid_url(value))
            return fail(p, "%s must be an http:// or https:// URL, not '%s'", label, value);
        free(e->url);
        return (e->url = strdup(value)) ? 1 : fail(p, "out of memory");
    }
    if (strcmp(name, "types") == 0) {
        if (!valid_types(value))
            return fail(p, "%s must list event types (room.created, participant.joined, ...), comma-separated, "
                        "not '%s'", label, value);
        free(e->types);
        return (e->types = strdup(value)) ? 1 : fail(p, "out of memory");
    }
    return fail(p, "unknown key '%s' in [endpoint %s]", name, ename);
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *p = user;

    if (p->failed)
        return 1;
    /* libinih keeps 49 bytes of a section name: a full one was cut short */
    if (strlen(section) >= 49)
        return fail(p, "section name longer than 48 characters: [%s...]", section);
    if (strncmp(section, SERVER_PREFIX, strlen(SERVER_PREFIX)) == 0)
        return server_key(p, section + strlen(SERVER_PREFIX), name, value);
    if (strncmp(section, ENDPOINT_PREFIX, strlen(ENDPOINT_PREFIX)) == 0 ||
        (strcmp(section, "notify") == 0 &&
         (strcmp(name, "url") == 0 || strcmp(name, "secret") == 0 || strcmp(name, "types") == 0))) {
        char label[96];
        const int named = strcmp(section, "notify") != 0;
        snprintf(label, sizeof(label), "[%s] %s", section, name);
        return endpoint_key(p, label, named ? section + strlen(ENDPOINT_PREFIX) : "default", name, value);
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key *k = &keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
            continue;
        if (k->offset == 0 && k->type == K_STR)
            return 1; /* accepted, not used by the programs */
        void *slot = (char *)p->c + k->offset;
        if (is_secret(section, name)) {
            char label[96], *v;
            snprintf(label, sizeof(label), "[%s] %s", section, name);
            if ((v = secret_value(p, label, value, strcmp(name, "jwt_secret") == 0 ? 32 : 0)) == NULL)
                return 0;
            free(*(char **)slot);
            *(char **)slot = v;
            return 1;
        }
        if (inline_hash(value))
            return fail(p, "[%s] %s = '%s': an inline comment is not allowed (put it on a line of its own)",
                        section, name, value);
        long l;
        double d;
        switch (k->type) {
        case K_STR:
            free(*(char **)slot);
            *(char **)slot = value[0] ? strdup(value) : NULL;
            return 1;
        case K_LONG:
            if (parse_long(value, &l) != 0 || l < (long)k->min || l > (long)k->max) {
                char range[64];
                snprintf(range, sizeof(range), "%.0f..%.0f", k->min, k->max);
                return fail(p, "%s must be an integer in %s", name, range);
            }
            *(long *)slot = l;
            return 1;
        case K_DOUBLE:
            if (parse_double(value, &d) != 0 || d < k->min || d > k->max)
                return fail(p, "%s must be a number, not '%s'", name, value);
            *(double *)slot = d;
            return 1;
        case K_URLS:
            if (parse_urls(value, (char **)slot,
                           k->offset == offsetof(struct mrb_conf, turn.urls) ? &p->c->turn.n_urls
                                                                             : &p->c->turn.n_stun_urls) != 0)
                return fail(p, "%s: at most 8 URLs", name);
            return 1;
        case K_BOOL:
            if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0)
                *(long *)slot = 1;
            else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 || strcmp(value, "no") == 0)
                *(long *)slot = 0;
            else
                return fail(p, "%s must be true or false, not '%s'", name, value);
            return 1;
        case K_ALG:
            if (strcmp(value, "HS256") == 0)
                p->c->auth.alg = CONF_JWT_HS256;
            else if (strcmp(value, "RS256") == 0)
                p->c->auth.alg = CONF_JWT_RS256;
            else if (strcmp(value, "ES256") == 0)
                p->c->auth.alg = CONF_JWT_ES256;
            else
                return fail(p, "jwt_alg must be HS256, RS256 or ES256, not '%s'", value);
            return 1;
        }
    }
    return fail(p, "unknown key '%s' in [%s]", name, section);
}

static void set_defaults(struct mrb_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->db.port = 3306;
    c->db.connect_timeout_ms = 2000;
    c->db.failback_s = 60;
    c->db.io_timeout_s = 10;
    c->db.tls_verify_server_name = 1;
    c->auth.alg = CONF_JWT_HS256;
    c->auth.leeway = 30;
    c->turn.credential_ttl = 86400;
    c->rooms.default_ttl = 3600;
    c->rooms.max_ttl = 86400;
    c->rooms.default_max_participants = 2;
    c->rooms.max_participants = 16;
    c->rooms.token_max_ttl = 3600;
    c->rooms.seat_grace = 60;
    c->rooms.retain_days = 30;
    c->limits.room_failures = 10;
    c->limits.client_failures = 30;
    c->limits.window = 600;
    c->janus.connect_timeout_ms = 1000;
    c->janus.timeout_ms = 2000;
    c->janus.probe_timeout_ms = 1000;
    /* The weights of the broker MRB replaced (docs/DESIGN.md, "Placement"). */
    c->score.cpu = 35;
    c->score.mem = 20;
    c->score.sessions = 5;
    c->score.handles = 10;
    c->score.sockets = 30;
    c->score.fallback = 4555;
    c->score.network = 50; /* a full link weighs more than a full CPU (35): egress is an SFU's limit */
    c->score.interval = 5;
    c->score.limit = 100;
    c->score.pack_limit = 70;
    c->score.seat = 0.15; /* a session and a handle, (5 + 10) / 100: a person placed since the last poll */
    c->score.booking_hold = 6 * 3600;
    c->score.rebalance = 1;
    c->health.fail_threshold = 2;
    c->health.timeout_ms = 2000;
    c->health.run_seconds = 55;
    c->health.drain_rate = 5;
    c->reports.window = 30;
    c->reports.room_interval = 300;
    c->reports.server_rate = 60;
    c->reports.suspect_for = 600;
    c->expire.parallel = 32;
    c->notify.retry_for = 86400; /* the Standard Webhooks spec's retry schedule spans about a day */
    c->notify.timeout_ms = 5000;
    c->notify.parallel = 16;
    c->expire.max_rooms = 50000;
}

/* The string keys whose default validate() fills in when the file leaves
 * them out (the numbers' are set_defaults()'s). One table for validate()
 * and for conf_default(), so that mrbctl config get prints what the
 * programs use. */
static const struct str_default {
    const char *section, *name, *value;
    size_t offset;
} str_defaults[] = {
    {"webhook", "spool_dir", "/var/spool/mrb", offsetof(struct mrb_conf, webhook.spool_dir)},
    {"auth", "host_claim", "role", offsetof(struct mrb_conf, auth.host_claim)},
    {"auth", "host_value", "host", offsetof(struct mrb_conf, auth.host_value)},
    {"auth", "admin_value", "admin", offsetof(struct mrb_conf, auth.admin_value)},
    {"score", "strategy", "spread", offsetof(struct mrb_conf, score.strategy)},
};

static int read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 65536 || fseek(f, 0, SEEK_SET) != 0)
        goto err;
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto err;
    buf[n] = '\0';
    fclose(f);
    *out = buf;
    *len = (size_t)n;
    return 0;
err:
    free(buf);
    fclose(f);
    return -1;
}

/* Cross-key rules that a single line cannot check. */
/* Fills c->db.nodes from [db] hosts ("host[:port]" or "[v6]:port", split
 * by commas or blanks; the port defaults to [db] port), or from host and
 * port when hosts is not set. Returns 0, or -1 with the reason in why. */
static int parse_nodes(struct mrb_conf *c, char *why, size_t len)
{
    const char *s = c->db.hosts;

    c->db.n_nodes = 0;
    if (s == NULL || *s == '\0') {
        snprintf(c->db.nodes[0].host, sizeof(c->db.nodes[0].host), "%s", c->db.host ? c->db.host : "");
        c->db.nodes[0].port = c->db.port;
        c->db.n_nodes = 1;
        return 0;
    }
    while (*s) {
        char item[256], *colon, *host = item;
        size_t n = strcspn(s, ", \t");
        long port = c->db.port;
        char *end;

        if (n == 0) {
            s++;
            continue;
        }
        if (n >= sizeof(item) || c->db.n_nodes == CONF_MAX_DB_NODES) {
            snprintf(why, len, "[db] hosts: at most %d nodes of up to 255 characters", CONF_MAX_DB_NODES);
            return -1;
        }
        memcpy(item, s, n);
        item[n] = '\0';
        s += n;
        snprintf(why, len, "[db] hosts: '%s' is not host:port", item); /* in case it is not */
        if (item[0] == '[') { /* [v6]:port */
            host = item + 1;
            colon = strchr(host, ']');
            if (colon == NULL || (colon[1] != '\0' && colon[1] != ':'))
                goto bad;
            *colon = '\0';
            colon = colon[1] == ':' ? colon + 1 : NULL;
        } else {
            colon = strrchr(item, ':');
            if (colon && strchr(item, ':') != colon)
                goto bad; /* a bare v6 address: needs brackets */
        }
        if (colon) {
            *colon = '\0';
            errno = 0;
            port = strtol(colon + 1, &end, 10);
            if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
                goto bad;
        }
        if (*host == '\0')
            goto bad;
        snprintf(c->db.nodes[c->db.n_nodes].host, sizeof(c->db.nodes[0].host), "%s", host);
        c->db.nodes[c->db.n_nodes++].port = port;
        why[0] = '\0';
        continue;
bad:
        return -1;
    }
    if (c->db.n_nodes == 0) {
        snprintf(why, len, "[db] hosts is set but names no node");
        return -1;
    }
    return 0;
}

/* The first of the n URLs that is neither "scheme:..." nor "schemes:..."
 * (turn: / turns:, stun: / stuns:), or NULL: a typo is refused at start,
 * not handed to browsers. */
static const char *off_scheme(char *const *urls, size_t n, const char *scheme)
{
    size_t len = strlen(scheme);

    for (size_t i = 0; i < n; i++)
        if (strncmp(urls[i], scheme, len) != 0 || (urls[i][len] != ':' && strncmp(urls[i] + len, "s:", 2) != 0))
            return urls[i];
    return NULL;
}


/* A relative *path becomes relative to the config file's directory, so a
 * checkout's dev config works from any cwd (absolute paths are kept).
 * Returns 0, or -1 out of memory. */
static int beside_config(const struct parse_ctx *p, char **path)
{
    const char *slash = strrchr(p->name, '/');
    int dirlen = slash ? (int)(slash - p->name) : 1;
    size_t len;
    char *abs;

    if ((*path)[0] == '/')
        return 0;
    len = (size_t)dirlen + strlen(*path) + 2;
    if ((abs = malloc(len)) == NULL)
        return -1;
    snprintf(abs, len, "%.*s/%s", dirlen, slash ? p->name : ".", *path);
    free(*path);
    *path = abs;
    return 0;
}

static int validate(struct parse_ctx *p)
{
    struct mrb_conf *c = p->c;
    const char *bad;
    char why[320];

    for (size_t i = 0; i < c->notify.n_endpoints; i++) {
        const struct conf_endpoint *e = &c->notify.endpoints[i];
        const int dflt = strcmp(e->name, "default") == 0;
        if (e->url == NULL || e->secret == NULL)
            return fail(p, "%s%s%s needs both url and secret", dflt ? "[notify]" : "[endpoint ", dflt ? "" : e->name,
                        dflt ? "" : "]");
    }

    if (c->db.database == NULL || c->db.user == NULL)
        return fail(p, "[db] user and database are required");
    if (parse_nodes(c, why, sizeof(why)) != 0)
        return fail(p, "%s", why);
    if ((c->db.tls_cert == NULL) != (c->db.tls_key == NULL))
        return fail(p, "[db] tls_cert and tls_key go together");
    if (c->db.tls_cert && c->db.tls_ca == NULL)
        return fail(p, "[db] tls_cert needs tls_ca: the CA that signed the database's certificate, which TLS "
                       "verifies");
    {
        char **tls[] = {&c->db.tls_ca, &c->db.tls_cert, &c->db.tls_key};
        static const char *const names[] = {"tls_ca", "tls_cert", "tls_key"};
        for (size_t i = 0; i < 3; i++) {
            if (*tls[i] == NULL)
                continue;
            if (beside_config(p, tls[i]) != 0)
                return fail(p, "out of memory");
            if (access(*tls[i], R_OK) != 0)
                return fail(p, "[db] %s: cannot read %s: %s", names[i], *tls[i], strerror(errno));
        }
    }
    if (c->janus.tls_ca && (beside_config(p, &c->janus.tls_ca) != 0 || access(c->janus.tls_ca, R_OK) != 0))
        return fail(p, "[janus] tls_ca: cannot read %s", c->janus.tls_ca);
    if (c->auth.alg == CONF_JWT_HS256) {
        if (c->auth.secret == NULL || strlen(c->auth.secret) < 32)
            return fail(p, "[auth] jwt_secret is required with HS256 and must be at least 32 bytes");
    } else {
        if (c->auth.public_key_path == NULL)
            return fail(p, "[auth] jwt_public_key (a PEM file) is required with RS256/ES256");
        if (read_file(c->auth.public_key_path, &c->auth.public_key, &c->auth.public_key_len) != 0)
            return fail(p, "[auth] jwt_public_key: cannot read '%s'", c->auth.public_key_path);
    }
    if ((c->webhook.user == NULL) != (c->webhook.password == NULL))
        return fail(p, "[webhook] user and password go together");
    if (c->limits.trusted_proxies &&
        cidr_list_parse(c->limits.trusted_proxies, &c->limits.trusted, &c->limits.n_trusted, why, 64) != 0)
        return fail(p, "[limits] trusted_proxies: '%s' is not an address or CIDR range", why);
    if ((bad = off_scheme(c->turn.urls, c->turn.n_urls, "turn")) != NULL)
        return fail(p, "[turn] urls: '%s' is not a turn: or turns: URL", bad);
    if ((bad = off_scheme(c->turn.stun_urls, c->turn.n_stun_urls, "stun")) != NULL)
        return fail(p, "[turn] stun_urls: '%s' is not a stun: or stuns: URL", bad);
    if (c->turn.n_urls > 0 && c->turn.secret == NULL &&
        (c->turn.username == NULL || c->turn.credential == NULL))
        return fail(p, "[turn] needs secret, or username and credential");
    if (c->rooms.default_ttl > c->rooms.max_ttl)
        return fail(p, "[rooms] default_ttl exceeds max_ttl");
    if (c->rooms.default_max_participants > c->rooms.max_participants)
        return fail(p, "[rooms] default_max_participants exceeds max_participants");
    if (c->webhook.spool_dir && beside_config(p, &c->webhook.spool_dir) != 0)
        return fail(p, "out of memory");
    for (size_t i = 0; i < sizeof(str_defaults) / sizeof(str_defaults[0]); i++) {
        char **slot = (char **)((char *)c + str_defaults[i].offset);
        if (*slot == NULL && (*slot = strdup(str_defaults[i].value)) == NULL)
            return fail(p, "out of memory");
    }
    if (strcmp(c->score.strategy, "spread") != 0 && strcmp(c->score.strategy, "pack") != 0)
        return fail(p, "[score] strategy must be spread or pack, not '%s'", c->score.strategy);
    c->score.pack = strcmp(c->score.strategy, "pack") == 0;
    if (c->score.pack_limit > c->score.limit)
        return fail(p, "[score] pack_limit (%g) exceeds limit (%g): a packed server would be full", c->score.pack_limit,
                    c->score.limit);
    for (size_t i = 0; i < c->n_servers; i++)
        if (c->servers[i].record_dir && beside_config(p, &c->servers[i].record_dir) != 0)
            return fail(p, "out of memory");
    for (size_t i = 0; i < c->n_servers; i++) {
        struct conf_server *s = &c->servers[i];
        if (!s->public_url || !s->admin_url || !s->admin_secret || !s->token_secret)
            return fail(p, "[server %s] needs public_url, admin_url, admin_secret and token_secret", s->name);
        if ((s->webhook_user == NULL) != (s->webhook_password == NULL))
            return fail(p, "[server %s] webhook_user and webhook_password go together", s->name);
        if (s->webhook_user == NULL && c->webhook.user == NULL)
            return fail(p, "[server %s] needs webhook_user and webhook_password (its events are refused "
                           "without them)", s->name);
        for (size_t j = 0; s->webhook_user && j < i; j++)
            if (c->servers[j].webhook_user && strcmp(c->servers[j].webhook_user, s->webhook_user) == 0)
                return fail(p, "[server %s] webhook_user '%s' is [server %s]'s too: each server needs its own",
                            s->name, s->webhook_user, c->servers[j].name);
    }
    return 1;
}

/* Copies s into out with runs of spaces and tabs squeezed to one space and
 * the ends trimmed: how "[server  NAME]" and "[server NAME]" compare equal. */
static void squeeze(const char *s, char *out, size_t len)
{
    size_t o = 0;
    int space = 0;

    for (; *s && o + 1 < len; s++) {
        if (*s == ' ' || *s == '\t') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < len)
            out[o++] = ' ';
        space = 0;
        out[o++] = *s;
    }
    out[o] = '\0';
}

/* 1 when section is one the programs read: a [server NAME] or a section
 * of the key table. */
static int known_section(const char *section)
{
    if (strncmp(section, SERVER_PREFIX, strlen(SERVER_PREFIX)) == 0 || strcmp(section, "server") == 0 ||
        strncmp(section, ENDPOINT_PREFIX, strlen(ENDPOINT_PREFIX)) == 0)
        return 1; /* a server's (an endpoint's) name is checked with its first key */
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].section, section) == 0)
            return 1;
    return 0;
}

/* "db, auth, ... and server NAME": the sections of the key table, in its
 * order, into out. Returns out. */
static const char *section_names(char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t j = 0;
        while (j < i && strcmp(keys[j].section, keys[i].section) != 0)
            j++;
        if (j == i && used < len)
            used += (size_t)snprintf(out + used, len - used, "%s, ", keys[i].section);
    }
    if (used >= 2 && used < len)
        snprintf(out + used - 2, len - used + 2, " and server NAME");
    return out;
}

/* What libinih does not tell: it splits lines over 199 bytes silently
 * (as Debian builds it), lets a repeated key win over the first, and
 * reports a key of an unknown section as an unknown key. A pass over the
 * text before parsing finds these with their line numbers. Returns 0 with
 * why "" when none, the line number with why set, or -1 when the file
 * cannot be read. */
static int scan(const char *name, const char *text, char *why, size_t whylen)
{
    FILE *f = text ? NULL : fopen(name, "r");
    /* libinih keeps 49 bytes of a section name and 49 of a key: 64 hold either */
    char line[CONF_MAX_LINE + 2], section[64] = "", (*seen)[2][64] = NULL;
    size_t n_seen = 0, cap = 0;
    int lineno = 0, found = 0;
    const char *t = text;

    why[0] = '\0';
    if (!text && f == NULL)
        return -1;
    while (!found) {
        size_t len = 0;
        int c, long_line = 0;
        while ((c = text ? (*t ? (unsigned char)*t++ : EOF) : fgetc(f)) != EOF && c != '\n') {
            if (len < CONF_MAX_LINE)
                line[len++] = (char)c;
            else
                long_line = 1;
        }
        if (c == EOF && len == 0)
            break;
        line[len] = '\0';
        lineno++;
        if (long_line) {
            snprintf(why, whylen, "line longer than %d bytes; continue a list on indented lines", CONF_MAX_LINE);
            found = lineno;
        } else if (line[0] == '[') {
            char *close = strchr(line, ']');
            char raw[CONF_MAX_LINE + 2];
            snprintf(raw, sizeof(raw), "%.*s", close ? (int)(close - line - 1) : 0, line + 1);
            squeeze(raw, section, sizeof(section));
            if (close && !known_section(section)) {
                char names[200];
                snprintf(why, whylen, "unknown section [%.63s] (the sections are %s)", section,
                         section_names(names, sizeof(names)));
                found = lineno;
            }
        } else if (line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != ';' && strchr(line, '=')) {
            char key[64] = {0};
            size_t k = strcspn(line, "=");
            while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t'))
                k--;
            snprintf(key, sizeof(key), "%.*s", (int)k, line);
            for (size_t i = 0; i < n_seen && !found; i++)
                if (strcmp(seen[i][0], section) == 0 && strcmp(seen[i][1], key) == 0) {
                    snprintf(why, whylen, "%.63s is given twice in [%.63s]: say it once", key, section);
                    found = lineno;
                }
            if (!found && n_seen == cap) {
                void *grown = realloc(seen, (cap = cap ? 2 * cap : 64) * sizeof(*seen));
                if (grown == NULL) {
                    snprintf(why, whylen, "out of memory");
                    found = lineno;
                    break;
                }
                seen = grown;
            }
            if (!found) {
                memcpy(seen[n_seen][0], section, sizeof(section));
                memcpy(seen[n_seen++][1], key, sizeof(key));
            }
        }
        if (c == EOF)
            break;
    }
    free(seen);
    if (f)
        fclose(f);
    return found;
}

static int load(struct mrb_conf *c, const char *name, const char *text, char *errbuf, size_t errlen)
{
    struct parse_ctx p = {.c = c, .name = name};
    int rc;

    set_defaults(c);
    c->path = strdup(name);
    rc = scan(name, text, p.reason, sizeof(p.reason));
    if (rc > 0) {
        snprintf(errbuf, errlen, "%s:%d: %s", name, rc, p.reason);
        conf_free(c);
        return -1;
    }
    rc = text ? ini_parse_string(text, on_key, &p) : ini_parse(name, on_key, &p);
    if (rc == -1)
        snprintf(errbuf, errlen, "%s: cannot open: %s " CONF_OTHER_FILE_HINT, name,
                 strerror(errno));
    else if (rc > 0)
        snprintf(errbuf, errlen, "%s:%d: %s", name, rc, p.failed ? p.reason : "syntax error");
    else if (rc == 0 && (validate(&p), p.failed))
        snprintf(errbuf, errlen, "%s: %s", name, p.reason);
    if (rc != 0 || p.failed) {
        conf_free(c);
        return -1;
    }
    return 0;
}

int conf_load(const char *path, struct mrb_conf *c, char *errbuf, size_t errlen)
{
    return load(c, path, NULL, errbuf, errlen);
}

int conf_load_string(const char *text, const char *name, struct mrb_conf *c, char *errbuf, size_t errlen)
{
    return load(c, name, text, errbuf, errlen);
}

struct raw_get {
    const char *section, *key;
    char *out;
    size_t len;
    int found;
    conf_section_fn fn;
    void *ctx;
};

static int on_raw(void *user, const char *section, const char *name, const char *value)
{
    struct raw_get *g = user;
    char sec[256];

    squeeze(section, sec, sizeof(sec));
    if (g->fn) { /* listing "[server NAME]" sections: report each once, on its first key */
        if (strncmp(sec, "server ", 7) == 0 && g->out && strcmp(g->out, sec) != 0) {
            snprintf(g->out, g->len, "%s", sec);
            g->fn(sec + 7, g->ctx);
        }
        return 1;
    }
    if (strcmp(sec, g->section) == 0 && strcmp(name, g->key) == 0) {
        snprintf(g->out, g->len, "%s", value); /* the last duplicate wins, as in conf_load() */
        g->found = 1;
    }
    return 1;
}

int conf_get_raw(const char *path, const char *section, const char *key, char *out, size_t len)
{
    char sec[256];
    struct raw_get g = {sec, key, out, len, 0, NULL, NULL};

    squeeze(section, sec, sizeof(sec));
    out[0] = '\0';
    if (ini_parse(path, on_raw, &g) < 0)
        return -1;
    return g.found;
}

int conf_each_server(const char *path, conf_section_fn fn, void *ctx)
{
    char last[256] = "";
    struct raw_get g = {NULL, NULL, last, sizeof(last), 0, fn, ctx};

    return ini_parse(path, on_raw, &g) < 0 ? -1 : 0;
}

int conf_default(const char *section, const char *key, char *out, size_t len)
{
    char sec[256];
    struct mrb_conf c;

    squeeze(section, sec, sizeof(sec));
    out[0] = '\0';
    if (strncmp(sec, SERVER_PREFIX, strlen(SERVER_PREFIX)) == 0) {
        static const char *const known[] = {"public_url", "admin_url", "admin_secret", "token_secret",
                                            "metrics_url", "webhook_user", "webhook_password", "record_dir",
                                            "net_devices", "link_mbps", "region", "tags", NULL};
        if (strcmp(key, "weight") == 0)
            return snprintf(out, len, "1"), 1;
        if (strcmp(key, "enabled") == 0)
            return snprintf(out, len, "true"), 1;
        for (size_t i = 0; known[i]; i++)
            if (strcmp(known[i], key) == 0)
                return 0;
        return -1;
    }
    for (size_t i = 0; i < sizeof(str_defaults) / sizeof(str_defaults[0]); i++)
        if (strcmp(str_defaults[i].section, sec) == 0 && strcmp(str_defaults[i].name, key) == 0)
            return snprintf(out, len, "%s", str_defaults[i].value), 1;
    set_defaults(&c);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key *k = &keys[i];
        const void *slot = (const char *)&c + k->offset;
        if (strcmp(k->section, sec) != 0 || strcmp(k->name, key) != 0)
            continue;
        switch (k->type) {
        case K_LONG:
            return snprintf(out, len, "%ld", *(const long *)slot), 1;
        case K_DOUBLE:
            return snprintf(out, len, "%g", *(const double *)slot), 1;
        case K_ALG:
            return snprintf(out, len, "HS256"), 1;
        case K_BOOL:
            return snprintf(out, len, "%s", *(const long *)slot ? "true" : "false"), 1;
        case K_STR:
        case K_URLS:
            return 0;
        }
    }
    return -1;
}

const char *conf_default_path(void)
{
    const char *env = getenv("MRB_CONFIG");

    return env && *env ? env : CONF_DEFAULT_PATH;
}

void conf_free(struct mrb_conf *c)
{
    char **strs[] = {&c->path, &c->db.host, &c->db.hosts, &c->db.user, &c->db.password, &c->db.database, &c->db.socket,
                     &c->db.tls_ca, &c->db.tls_cert, &c->db.tls_key,
                     &c->auth.secret, &c->auth.public_key_path, &c->auth.issuer, &c->auth.audience,
                     &c->auth.host_claim, &c->auth.host_value, &c->auth.admin_value, &c->webhook.user,
                     &c->webhook.password, &c->webhook.spool_dir, &c->turn.secret, &c->turn.username, &c->turn.credential,
                     &c->janus.admin_key, &c->janus.tls_ca, &c->limits.trusted_proxies, &c->score.strategy};

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    free(c->auth.public_key);
    for (size_t i = 0; i < c->turn.n_urls; i++)
        free(c->turn.urls[i]);
    for (size_t i = 0; i < c->turn.n_stun_urls; i++)
        free(c->turn.stun_urls[i]);
    for (size_t i = 0; i < c->n_servers; i++) {
        struct conf_server *s = &c->servers[i];
        free(s->name);
        free(s->public_url);
        free(s->admin_url);
        free(s->admin_secret);
        free(s->token_secret);
        free(s->metrics_url);
        free(s->record_dir);
        free(s->net_devices);
        free(s->region);
        free(s->tags);
        free(s->webhook_user);
        free(s->webhook_password);
    }
    for (size_t i = 0; i < c->notify.n_endpoints; i++) {
        struct conf_endpoint *e = &c->notify.endpoints[i];
        free(e->name);
        free(e->url);
        free(e->secret);
        free(e->types);
        memset(e->key, 0, sizeof(e->key));
    }
    free(c->notify.endpoints);
    c->notify.endpoints = NULL;
    c->notify.n_endpoints = 0;
    free(c->limits.trusted);
    free(c->servers);
    memset(c, 0, sizeof(*c));
}
