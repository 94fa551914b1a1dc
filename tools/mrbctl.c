/* mrbctl: the operator's command line over libmrb. Every command is one
 * library call; this file only parses arguments and prints. Exit status:
 * 0 done, 1 failed or refused, 2 usage. */
#define _GNU_SOURCE /* strptime, timegm */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "lifecycle.h"
#include "notify.h"
#include "inspect.h"
#include "room.h"
#include "servers.h"
#include "token.h"
#include "util.h"

/* One row per command: its words, its arguments and what it does. The full
 * usage lists them all; a usage error prints what was wrong and the row of
 * the command that was meant. */
struct command {
    const char *name;
    const char *args;
    const char *help; /* lines, each indented to line up under the full usage */
};

static const struct command commands[] = {
    {"server add", "NAME --public-url URL --admin-url URL --admin-secret S --token-secret S\n"
                   "                  --webhook-user U --webhook-password P [--metrics-url URL] [--weight W]\n"
                   "                  [--region REGION] [--tags a,b]",
     "register a server (disabled until enabled); a secret given\n"
     "as @FILE is read from FILE (keeps it out of ps); the server's\n"
     "event handler posts with its own webhook user and password"},
    {"server sync", "FILE [--dry-run]", "make the servers table match FILE's [server NAME] sections"},
    {"server enable", "NAME", "accept new rooms (and clear a suspect mark)"},
    {"server disable", "NAME", "no new rooms; live rooms stay"},
    {"server cordon", "NAME", "no new rooms; live rooms stay; disabled by itself once empty\n"
                              "(a drain without a deadline)"},
    {"server drain", "NAME [--deadline DURATION | --now]",
     "no new rooms; its empty rooms move at once, its busy ones\n"
     "at the deadline (default 15m; 90s, 15m, 2h), a few a second;\n"
     "disabled once empty. --now: move every room now"},
    {"server undrain", "NAME", "cancel a drain or cordon: new rooms again; unmoved rooms stay"},
    {"server panic", "NAME", "disable, and move every live room to other servers now"},
    {"server remove", "NAME [--force]", "unregister; refused while rooms are open unless --force,\n"
                                        "which ends them first"},
    {"status", "[--json]", "servers: state, health, poll age, score, metrics, rooms"},
    {"room list", "[--server NAME] [--expired] [--json]", "live (or expired) rooms, with seats and people"},
    {"room show", "ID", "one room with its seats and participants (JSON)"},
    {"room end", "ID", "destroy the room now; joiners get 410"},
    {"events list", "[--failed] [--room ID] [--limit N] [--json]",
     "the latest events for the application, with each endpoint's\n"
     "delivery: state, attempts, last error"},
    {"events replay", "--since TIME [--endpoint NAME]",
     "deliver again every event created since TIME (2026-12-04T18:00:00Z,\n"
     "or a duration ago: 90s, 15m, 2h), same webhook-id each"},
    {"token host", "--sub NAME [--ttl SECONDS] [--role ROLE]",
     "mint an HS256 host JWT with the configured secret (dev);\n"
     "--ttl defaults to 3600"},
    {"config get", "SECTION KEY", "print the value the programs use for KEY (its default when\n"
                                  "CONFIG does not set it; exit 1 for an unknown key); for\n"
                                  "scripts: no database, no other checks"},
    {"config servers", "", "print the NAME of each [server NAME] section of CONFIG"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *command_named(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* The command's synopsis, then its help in the given column: the help's
 * first line on the synopsis's own line when there is room (the full
 * usage's two columns). */
static void print_command(FILE *f, const struct command *c, int column)
{
    const char *h = c->help;
    int used = fprintf(f, "  %s%s%s", c->name, c->args[0] ? " " : "", c->args);

    if (strchr(c->args, '\n') != NULL || used >= column || *h == '\0') {
        fputc('\n', f);
        used = 0;
    }
    while (*h) {
        size_t n = strcspn(h, "\n");
        fprintf(f, "%*s%.*s\n", column - used, "", (int)n, h);
        used = 0;
        h += n + (h[n] == '\n');
    }
}

static void usage(FILE *f)
{
    fputs("usage: mrbctl [-c CONFIG] [--insecure-config] COMMAND\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        print_command(f, &commands[i], 33);
    fputs("CONFIG defaults to $MRB_CONFIG, then " CONF_DEFAULT_PATH ".\n", f);
}

/* A usage error: one line saying what was wrong, then the usage of that one
 * command (name as in commands[]). Returns 2, mrbctl's usage status. */
static int bad_usage(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_usage(const char *name, const char *fmt, ...)
{
    const struct command *c = command_named(name);
    va_list ap;

    fprintf(stderr, "mrbctl: %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nusage: mrbctl [-c CONFIG]\n", stderr);
    if (c)
        print_command(stderr, c, 4);
    return 2;
}

/* An argument that is neither a known flag nor expected. */
static int unknown_arg(const char *name, const char *arg)
{
    return arg[0] == '-' ? bad_usage(name, "unknown option '%s'", arg) : bad_usage(name, "unexpected argument '%s'", arg);
}

static int fail(const char *what, const struct mrb_err *err)
{
    fprintf(stderr, "mrbctl: %s: %s\n", what, err->msg[0] ? err->msg : "failed");
    return 1;
}

static int print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    json_decref(v);
    if (s == NULL)
        return 1;
    puts(s);
    free(s);
    return 0;
}

/* "@FILE" reads the value from FILE's first line; anything else is itself.
 * Returns a malloc'd string, or NULL after printing why. */
static char *secret_arg(const char *arg)
{
    char line[512];
    FILE *f;

    if (arg[0] != '@')
        return strdup(arg);
    f = fopen(arg + 1, "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        fprintf(stderr, "mrbctl: cannot read %s: %s\n", arg + 1, f ? "empty file" : strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line);
}

/* 1 after saying why, when the secret given with flag must not be used
 * (the programs refuse the same in a config: conf_secret_weakness()). */
static int weak_secret(const char *flag, const char *secret)
{
    const char *why = secret ? conf_secret_weakness(secret) : NULL;

    if (why)
        fprintf(stderr, "mrbctl: %s %s: make one with: openssl rand -base64 32\n", flag, why);
    return why != NULL;
}

static int cmd_server_add(struct mrb_app *app, int argc, char **argv)
{
    struct conf_server s = {.weight = 1.0};
    const char *asec = NULL, *tsec = NULL, *wpass = NULL;
    char tags[CONF_TAGS_LEN];
    struct mrb_err err = {0};
    char *end;
    int rc = 2;

    if (argc < 1 || strncmp(argv[0], "--", 2) == 0)
        return bad_usage("server add", "the server's NAME comes first");
    s.name = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return argv[i][0] == '-' ? bad_usage("server add", "%s needs a value", argv[i])
                                     : unknown_arg("server add", argv[i]);
        if (strcmp(argv[i], "--public-url") == 0)
            s.public_url = argv[++i];
        else if (strcmp(argv[i], "--admin-url") == 0)
            s.admin_url = argv[++i];
        else if (strcmp(argv[i], "--metrics-url") == 0)
            s.metrics_url = argv[++i];
        else if (strcmp(argv[i], "--admin-secret") == 0)
            asec = argv[++i];
        else if (strcmp(argv[i], "--token-secret") == 0)
            tsec = argv[++i];
        else if (strcmp(argv[i], "--webhook-user") == 0)
            s.webhook_user = argv[++i];
        else if (strcmp(argv[i], "--webhook-password") == 0)
            wpass = argv[++i];
        else if (strcmp(argv[i], "--region") == 0) {
            s.region = argv[++i];
            if (!conf_valid_region(s.region))
                return bad_usage("server add", "--region must be 1-%d of a-z 0-9 - _ ., not '%s'", CONF_REGION_MAX,
                                 s.region);
        } else if (strcmp(argv[i], "--tags") == 0) {
            if (conf_tags_canon(argv[++i], tags, sizeof(tags)) != 0)
                return bad_usage("server add", "--tags must list at most %d tags of 1-%d of a-z 0-9 - _ ., "
                                 "comma-separated, not '%s'", CONF_TAGS_MAX, CONF_TAG_MAX, argv[i]);
            s.tags = tags[0] ? tags : NULL;
        } else if (strcmp(argv[i], "--weight") == 0) {
            s.weight = strtod(argv[++i], &end);
            if (*end != '\0' || !(s.weight > 0 && s.weight <= 1000)) {
                fprintf(stderr, "mrbctl: --weight must be a number in (0, 1000]\n");
                return 2;
            }
        } else
            return unknown_arg("server add", argv[i]);
    }
    if (s.public_url == NULL || s.admin_url == NULL || asec == NULL || tsec == NULL)
        return bad_usage("server add", "%s is required", s.public_url == NULL ? "--public-url"
                                                         : s.admin_url == NULL ? "--admin-url"
                                                         : asec == NULL        ? "--admin-secret"
                                                                               : "--token-secret");
    if ((s.webhook_user == NULL) != (wpass == NULL) || (s.webhook_user == NULL && app->conf.webhook.user == NULL)) {
        fprintf(stderr, "mrbctl: --webhook-user and --webhook-password are required: the server's events are "
                        "refused without its own credential\n");
        return 2;
    }
    if (!conf_valid_server_name(s.name)) {
        fprintf(stderr, "mrbctl: bad server name '%s' (1-40 of A-Z a-z 0-9 - _ .)\n", s.name);
        return 2;
    }
    if (!conf_valid_url(s.public_url) || !conf_valid_url(s.admin_url) ||
        (s.metrics_url && !conf_valid_url(s.metrics_url))) {
        fprintf(stderr, "mrbctl: URLs must start with http:// or https://\n");
        return 2;
    }
    if (conf_url_plaintext_remote(s.admin_url))
        fprintf(stderr, "mrbctl: warning: --admin-url is http:// to a host that is not loopback: the admin secret and "
                        "the rooms' secrets would cross the network in clear; use https://\n");
    s.admin_secret = secret_arg(asec);
    s.token_secret = secret_arg(tsec);
    s.webhook_password = wpass ? secret_arg(wpass) : NULL;
    if (s.webhook_password && strlen(s.webhook_password) < CONF_WEBHOOK_PASSWORD_MIN) {
        fprintf(stderr, "mrbctl: --webhook-password must be at least %d bytes\n", CONF_WEBHOOK_PASSWORD_MIN);
        rc = 2;
    } else if (weak_secret("--admin-secret", s.admin_secret) || weak_secret("--token-secret", s.token_secret) ||
               weak_secret("--webhook-password", s.webhook_password)) {
        rc = 2;
    } else if (s.admin_secret && s.token_secret && (wpass == NULL || s.webhook_password)) {
        enum lifecycle_result added = lifecycle_add(app, &s, &err);
        if (added == LIFECYCLE_DONE)
            printf("server %s added (disabled; enable it with: mrbctl server enable %s)\n", s.name, s.name);
        else if (added == LIFECYCLE_EXISTS)
            fprintf(stderr, "mrbctl: server %s already exists; nothing changed\n", s.name);
        else if (added == LIFECYCLE_CREDENTIAL_TAKEN)
            fprintf(stderr, "mrbctl: webhook user %s belongs to another server; each needs its own\n",
                    s.webhook_user);
        else
            fail("server add", &err);
        rc = added == LIFECYCLE_DONE ? 0 : 1;
    } else
        rc = 1;
    free(s.admin_secret);
    free(s.token_secret);
    free(s.webhook_password);
    return rc;
}

/* "ARG [FLAG]" in either order for command name: *arg gets the one
 * positional argument (what names it), *set whether flag was given.
 * Returns 0, or 2 after a usage error. */
static int arg_and_flag(const char *name, const char *what, int argc, char **argv, const char *flag,
                        const char **arg, int *set)
{
    *arg = NULL;
    *set = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0)
            *set = 1;
        else if (*arg == NULL) /* may start with '-': a room id or a server name can */
            *arg = argv[i];
        else
            return unknown_arg(name, argv[i]);
    }
    return *arg ? 0 : bad_usage(name, "%s is required", what);
}

/* Exactly one argument, what names it (NAME, ID). Returns 0, or 2 after a
 * usage error. */
static int one_arg(const char *name, const char *what, int argc, char **argv)
{
    if (argc == 0)
        return bad_usage(name, "%s is required", what);
    if (argc > 1) /* argv[0] itself may start with '-': a room id or a server name can */
        return unknown_arg(name, argv[1]);
    return 0;
}

static int cmd_server_sync(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_conf from;
    struct mrb_err err = {0};
    char errbuf[512];
    const char *file;
    int dry, rc;

    if ((rc = arg_and_flag("server sync", "FILE", argc, argv, "--dry-run", &file, &dry)) != 0)
        return rc;
    if (conf_load(file, &from, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "mrbctl: %s\n", errbuf);
        return 1;
    }
    for (size_t i = 0; i < from.n_servers; i++)
        printf("%s server %s (%s, %s)\n", dry ? "would sync" : "sync", from.servers[i].name,
               from.servers[i].public_url, from.servers[i].enabled ? "enabled" : "disabled");
    rc = dry ? 0 : servers_sync(app, &from, &err);
    conf_free(&from);
    return rc == 0 ? 0 : fail("server sync", &err);
}

static int no_such_server(const char *id)
{
    fprintf(stderr, "mrbctl: no server named %s\n", id);
    return 1;
}

static int cmd_server_state(struct mrb_app *app, const char *verb, int argc, char **argv)
{
    struct mrb_err err = {0};
    const char *state = strcmp(verb, "enable") == 0 ? "enabled" : "disabled";
    enum lifecycle_result rc;

    if (one_arg(strcmp(verb, "enable") == 0 ? "server enable" : "server disable", "NAME", argc, argv) != 0)
        return 2;
    rc = lifecycle_set_state(app, argv[0], state, &err);
    if (rc == LIFECYCLE_FAILED)
        return fail(verb, &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(argv[0]);
    printf("server %s %s\n", argv[0], state);
    return 0;
}

static int cmd_server_cordon(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    char state[16];
    enum lifecycle_result rc;

    if (one_arg("server cordon", "NAME", argc, argv) != 0)
        return 2;
    rc = lifecycle_cordon(app, argv[0], state, &err);
    if (rc == LIFECYCLE_FAILED)
        return fail("cordon", &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(argv[0]);
    if (strcmp(state, "disabled") == 0)
        printf("server %s cordoned and already empty: disabled\n", argv[0]);
    else
        printf("server %s cordoned: no new rooms; disabled once its %lld open room(s) end\n", argv[0],
               lifecycle_open_rooms(app, argv[0], &err));
    return 0;
}

/* "90s", "15m", "2h" or plain seconds: the seconds, or -1. */
static long long duration_arg(const char *v)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || n < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        return n;
    if (strcmp(end, "m") == 0)
        return n <= 1000000 ? n * 60 : -1;
    if (strcmp(end, "h") == 0)
        return n <= 100000 ? n * 3600 : -1;
    return -1;
}

static int cmd_server_drain(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    const char *name = NULL;
    long long secs = 15 * 60;
    int now = 0;
    char state[16];
    enum lifecycle_result rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--now") == 0)
            now = 1;
        else if (strcmp(argv[i], "--deadline") == 0) {
            if (i + 1 == argc)
                return bad_usage("server drain", "--deadline needs a DURATION (90s, 15m, 2h)");
            if ((secs = duration_arg(argv[++i])) < 0)
                return bad_usage("server drain", "--deadline must be a duration like 90s, 15m or 2h, not '%s'",
                                 argv[i]);
        } else if (name == NULL)
            name = argv[i];
        else
            return unknown_arg("server drain", argv[i]);
    }
    if (name == NULL)
        return bad_usage("server drain", "NAME is required");
    if (now) {
        int moved;
        long long left;
        rc = lifecycle_drain_now(app, name, &moved, &left, &err);
        if (rc == LIFECYCLE_NO_SUCH_SERVER)
            return no_such_server(name);
        if (rc == LIFECYCLE_FAILED)
            return fail("drain", &err);
        printf("server %s drained now: %d room(s) moved to other servers; %lld left on it\n", name, moved, left);
        return left > 0 ? 1 : 0;
    }
    rc = lifecycle_drain(app, name, util_now() + secs, state, &err);
    if (rc == LIFECYCLE_FAILED)
        return fail("drain", &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(name);
    if (strcmp(state, "disabled") == 0) {
        printf("server %s drained: it was empty, now disabled\n", name);
        return 0;
    }
    printf("server %s draining: no new rooms; empty rooms move at once, the other %lld room(s) from %lld s from "
           "now; disabled once empty (mrbctl server undrain %s cancels)\n",
           name, lifecycle_open_rooms(app, name, &err), secs, name);
    return 0;
}

static int cmd_server_undrain(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    enum lifecycle_result rc;

    if (one_arg("server undrain", "NAME", argc, argv) != 0)
        return 2;
    rc = lifecycle_undrain(app, argv[0], &err);
    if (rc == LIFECYCLE_FAILED)
        return fail("undrain", &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(argv[0]);
    if (rc == LIFECYCLE_NOT_DRAINING) {
        fprintf(stderr, "mrbctl: server %s is not draining; nothing changed\n", argv[0]);
        return 1;
    }
    printf("server %s undrained: it takes new rooms again; its rooms stay\n", argv[0]);
    return 0;
}

static int cmd_server_panic(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    long long left = 0;
    int moved = 0;
    enum lifecycle_result rc;

    if (one_arg("server panic", "NAME", argc, argv) != 0)
        return 2;
    rc = lifecycle_panic(app, argv[0], &moved, &left, &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(argv[0]);
    if (rc == LIFECYCLE_FAILED)
        return fail("panic", &err);
    printf("server %s disabled; %d room(s) moved to other servers; %lld left on it\n", argv[0], moved, left);
    return left > 0 ? 1 : 0;
}

static int cmd_server_remove(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    long long open = 0;
    const char *id;
    enum lifecycle_result rc;
    int force;

    if (arg_and_flag("server remove", "NAME", argc, argv, "--force", &id, &force) != 0)
        return 2;
    rc = lifecycle_remove(app, id, force, &open, &err);
    if (rc == LIFECYCLE_FAILED)
        return fail("remove", &err);
    if (rc == LIFECYCLE_NO_SUCH_SERVER)
        return no_such_server(id);
    if (rc == LIFECYCLE_HAS_ROOMS) {
        fprintf(stderr,
                "mrbctl: server %s has %lld open room(s); cordon it and wait, panic it, or use --force "
                "to end them\n",
                id, open);
        return 1;
    }
    printf("server %s removed%s\n", id, open ? " (its open rooms were ended)" : "");
    return 0;
}

static void fmt_ratio(char *buf, size_t len, json_t *v)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.0f%%", json_number_value(v) * 100);
    else
        snprintf(buf, len, "-");
}

static void fmt_int(char *buf, size_t len, json_t *v)
{
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, len, "-");
}

static int cmd_status(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    json_t *list, *s;
    size_t i;

    for (int k = 0; k < argc; k++)
        if (strcmp(argv[k], "--json") != 0 || k > 0)
            return unknown_arg("status", argv[k]);
    if (inspect_servers(app, &list, &err) != 0)
        return fail("status", &err);
    if (argc == 1)
        return print_json(list);
    printf("%-16s %-9s %-6s %-6s %8s %5s %5s %8s %8s %8s %6s %6s %6s %8s %s\n", "SERVER", "STATE", "HEALTH", "POLLED",
           "SCORE", "CPU", "MEM", "SESSIONS", "HANDLES", "SOCKETS", "ROOMS", "PEOPLE", "BOOKED", "HEADROOM",
           "REGION/TAGS");
    json_array_foreach(list, i, s)
    {
        char polled[16], cpu[8], mem[8], sess[16], hand[16], sock[16];
        json_t *age = json_object_get(s, "pollAgeSeconds");
        if (json_is_integer(age))
            snprintf(polled, sizeof(polled), "%llds", (long long)json_integer_value(age));
        else
            snprintf(polled, sizeof(polled), "never");
        fmt_ratio(cpu, sizeof(cpu), json_object_get(s, "cpu"));
        fmt_ratio(mem, sizeof(mem), json_object_get(s, "mem"));
        fmt_int(sess, sizeof(sess), json_object_get(s, "sessions"));
        fmt_int(hand, sizeof(hand), json_object_get(s, "handles"));
        fmt_int(sock, sizeof(sock), json_object_get(s, "sockets"));
        const char *region = json_string_value(json_object_get(s, "region")),
                   *tags = json_string_value(json_object_get(s, "tags"));
        printf("%-16s %-9s %-6s %-6s %8.2f %5s %5s %8s %8s %8s %6lld %6lld %6lld %8lld %s%s%s\n",
               json_string_value(json_object_get(s, "server")), json_string_value(json_object_get(s, "state")),
               json_string_value(json_object_get(s, "health")), polled,
               json_number_value(json_object_get(s, "score")), cpu, mem, sess, hand, sock,
               (long long)json_integer_value(json_object_get(s, "rooms")),
               (long long)json_integer_value(json_object_get(s, "participants")),
               (long long)json_integer_value(json_object_get(s, "bookedSeats")),
               (long long)json_integer_value(json_object_get(s, "headroomSeats")), region && *region ? region : "-",
               tags && *tags ? "/" : "", tags ? tags : "");
    }
    int first = 1;
    json_array_foreach(list, i, s)
    {
        json_t *d = json_object_get(s, "drainDeadline");
        if (json_is_string(d))
            printf("%s%s is draining: its busy rooms move from %s\n", first ? "\n" : "",
                   json_string_value(json_object_get(s, "server")), json_string_value(d));
        first = first && !json_is_string(d);
        json_t *u = json_object_get(s, "suspectUntil");
        if (json_is_string(u))
            printf("%s%s is suspect until %s: its people could not reach it though MRB could; new rooms avoid it\n",
                   first ? "\n" : "", json_string_value(json_object_get(s, "server")), json_string_value(u));
        first = first && !json_is_string(u);
    }
    if (app->conf.webhook.user)
        printf("\nwarning: %s\n", CONF_SHARED_WEBHOOK_WARNING);
    json_decref(list);
    return 0;
}

static int cmd_room_list(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    const char *server = NULL;
    int expired = 0, as_json = 0;
    json_t *list, *r;
    size_t i;

    for (int k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--server") == 0) {
            if (k + 1 == argc || strncmp(argv[k + 1], "--", 2) == 0)
                return bad_usage("room list", "--server needs a server's NAME");
            server = argv[++k];
        } else if (strcmp(argv[k], "--expired") == 0)
            expired = 1;
        else if (strcmp(argv[k], "--json") == 0)
            as_json = 1;
        else
            return unknown_arg("room list", argv[k]);
    }
    if (inspect_rooms(app, server, expired, &list, &err) != 0)
        return fail("room list", &err);
    if (as_json)
        return print_json(list);
    printf("%-24s %-16s %-10s %-8s %5s %6s %-5s %-20s %s\n", "ROOM", "SERVER", "REGION", "STATE", "SEATS", "PEOPLE",
           "TYPE", "EXPIRES", "NAME");
    json_array_foreach(list, i, r)
    {
        const char *region = json_string_value(json_object_get(r, "region"));
        printf("%-24s %-16s %-10s %-8s %2lld/%-2lld %6lld %-5s %-20s %s\n",
               json_string_value(json_object_get(r, "roomId")), json_string_value(json_object_get(r, "server")),
               region ? region : "-", json_string_value(json_object_get(r, "state")),
               (long long)json_integer_value(json_object_get(r, "seatsHeld")),
               (long long)json_integer_value(json_object_get(r, "maxParticipants")),
               (long long)json_integer_value(json_object_get(r, "participants")),
               json_string_value(json_object_get(r, "roomType")), json_string_value(json_object_get(r, "expiresAt")),
               json_string_value(json_object_get(r, "roomNm")));
    }
    json_decref(list);
    return 0;
}

static int cmd_events_list(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    const char *room = NULL;
    int failed = 0, as_json = 0;
    long limit = 50;
    json_t *list, *e;
    size_t i;

    for (int k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--failed") == 0)
            failed = 1;
        else if (strcmp(argv[k], "--json") == 0)
            as_json = 1;
        else if (strcmp(argv[k], "--room") == 0 && k + 1 < argc)
            room = argv[++k];
        else if (strcmp(argv[k], "--limit") == 0 && k + 1 < argc) {
            char *end;
            limit = strtol(argv[++k], &end, 10);
            if (*end != '\0' || limit < 1 || limit > 100000)
                return bad_usage("events list", "--limit must be 1 to 100000, not '%s'", argv[k]);
        } else if (strcmp(argv[k], "--room") == 0 || strcmp(argv[k], "--limit") == 0)
            return bad_usage("events list", "%s needs a value", argv[k]);
        else
            return unknown_arg("events list", argv[k]);
    }
    if (notify_list(app, failed, room, limit, &list, &err) != 0)
        return fail("events list", &err);
    if (as_json)
        return print_json(list);
    printf("%-24s %-20s %-34s %5s %-10s %-9s %3s %s\n", "CREATED", "TYPE", "STREAM", "SEQ", "ENDPOINT", "STATE", "TRY",
           "ID / LAST ERROR");
    json_array_foreach(list, i, e)
    {
        const char *endpoint = json_string_value(json_object_get(e, "endpoint")),
                   *state = json_string_value(json_object_get(e, "state")),
                   *error = json_string_value(json_object_get(e, "lastError"));
        printf("%-24s %-20s %-34s %5lld %-10s %-9s %3lld %s%s%s\n", json_string_value(json_object_get(e, "createdAt")),
               json_string_value(json_object_get(e, "type")), json_string_value(json_object_get(e, "stream")),
               (long long)json_integer_value(json_object_get(e, "seq")), endpoint ? endpoint : "-",
               state ? state : "-", (long long)json_integer_value(json_object_get(e, "attempts")),
               json_string_value(json_object_get(e, "id")), error ? ": " : "", error ? error : "");
    }
    json_decref(list);
    return 0;
}

/* TIME as unix ms: RFC 3339 (UTC, "Z"), or a duration ago. -1 when neither. */
static long long time_arg(const char *v)
{
    struct tm tm;
    const char *end;
    long long secs = duration_arg(v);

    if (secs > 0)
        return (util_now() - secs) * 1000;
    memset(&tm, 0, sizeof(tm));
    end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL || (strcmp(end, "Z") != 0 && strcmp(end, "") != 0))
        return -1;
    return (long long)timegm(&tm) * 1000;
}

static int cmd_events_replay(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    const char *endpoint = NULL;
    long long since = -1, n = 0;

    for (int k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--since") == 0 && k + 1 < argc) {
            if ((since = time_arg(argv[++k])) < 0)
                return bad_usage("events replay", "--since must be a time like 2026-12-04T18:00:00Z or a duration "
                                 "like 15m, not '%s'", argv[k]);
        } else if (strcmp(argv[k], "--endpoint") == 0 && k + 1 < argc)
            endpoint = argv[++k];
        else if (strcmp(argv[k], "--since") == 0 || strcmp(argv[k], "--endpoint") == 0)
            return bad_usage("events replay", "%s needs a value", argv[k]);
        else
            return unknown_arg("events replay", argv[k]);
    }
    if (since < 0)
        return bad_usage("events replay", "--since TIME is required");
    if (endpoint) {
        size_t i = 0;
        while (i < app->conf.notify.n_endpoints && strcmp(app->conf.notify.endpoints[i].name, endpoint) != 0)
            i++;
        if (i == app->conf.notify.n_endpoints) {
            fprintf(stderr, "mrbctl: no endpoint '%s' in the configuration\n", endpoint);
            return 1;
        }
    }
    if (notify_replay(app, since, endpoint, &n, &err) != 0)
        return fail("events replay", &err);
    printf("%lld deliver%s pending again (mrb-notify sends them in order, each with its own webhook-id)\n", n,
           n == 1 ? "y is" : "ies are");
    return 0;
}

static int cmd_room_show(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    json_t *room;
    int rc;

    if (one_arg("room show", "ID", argc, argv) != 0)
        return 2;
    rc = inspect_room(app, argv[0], &room, &err);
    if (rc < 0)
        return fail("room show", &err);
    if (rc == 0) {
        fprintf(stderr, "mrbctl: no room %s\n", argv[0]);
        return 1;
    }
    return print_json(room);
}

static int cmd_room_end(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_err err = {0};
    enum room_end_result rc;

    if (one_arg("room end", "ID", argc, argv) != 0)
        return 2;
    rc = room_end(app, argv[0], "operator", &err);
    if (rc == ROOM_END_FAILED)
        return fail("room end", &err);
    printf(rc == ROOM_ENDED ? "room %s ended and destroyed\n"
                   : "room %s ended (refused to joiners); its media server did not answer, mrb-expire will "
                     "destroy it\n",
           argv[0]);
    return 0;
}

static int cmd_token_host(struct mrb_app *app, int argc, char **argv)
{
    const char *sub = NULL, *role = NULL;
    long ttl = 3600;
    char *jwt;

    for (int i = 0; i < argc; i++) {
        int has_value = i + 1 < argc;
        if (strcmp(argv[i], "--sub") != 0 && strcmp(argv[i], "--ttl") != 0 && strcmp(argv[i], "--role") != 0)
            return unknown_arg("token host", argv[i]);
        if (!has_value)
            return bad_usage("token host", "%s needs a value", argv[i]);
        if (strcmp(argv[i], "--sub") == 0)
            sub = argv[++i];
        else if (strcmp(argv[i], "--role") == 0)
            role = argv[++i];
        else {
            char *end;
            errno = 0;
            ttl = strtol(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end != '\0' || ttl <= 0)
                return bad_usage("token host", "--ttl must be a whole number of seconds, 1 or more, not '%s'",
                                 argv[i]);
        }
    }
    if (sub == NULL)
        return bad_usage("token host", "--sub NAME is required (the host the token names)");
    if (app->conf.auth.alg != CONF_JWT_HS256) {
        fprintf(stderr, "mrbctl: token host needs jwt_alg = HS256 (the key to sign with)\n");
        return 1;
    }
    jwt = token_jwt_mint(&app->conf, sub, role ? role : app->conf.auth.host_value, util_now(), ttl);
    if (jwt == NULL) {
        fprintf(stderr, "mrbctl: cannot mint token\n");
        return 1;
    }
    puts(jwt);
    free(jwt);
    return 0;
}

/* config get / config servers: no app_init(), so no database and no check
 * of the rest of the file; scripts read the config with these. */
struct seen_names {
    char names[64][64];
    int n;
};

static void print_server(const char *name, void *ctx)
{
    struct seen_names *s = ctx;

    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return;
    if (s->n < 64)
        snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
    puts(name);
}

/* The config cannot be read (errno says why): exit 2. */
static int unreadable(const char *path)
{
    fprintf(stderr, "mrbctl: cannot read %s: %s " CONF_OTHER_FILE_HINT "\n", path, strerror(errno));
    return 2;
}

static int cmd_config(const char *path, int argc, char **argv)
{
    const char *verb = argc > 0 ? argv[0] : "";
    char value[1024];
    int rc;

    if (strcmp(verb, "get") == 0) {
        if (argc != 3)
            return argc < 3 ? bad_usage("config get", "needs SECTION and KEY (as in: config get rooms seat_grace)")
                            : unknown_arg("config get", argv[3]);
        rc = conf_get_raw(path, argv[1], argv[2], value, sizeof(value));
        if (rc < 0)
            return unreadable(path);
        if (rc == 0)
            rc = conf_default(argv[1], argv[2], value, sizeof(value));
        if (rc < 0) {
            fprintf(stderr, "mrbctl: config get: the programs know no key %s in [%s]\n", argv[2], argv[1]);
            return 1;
        }
        if (rc == 1)
            puts(value);
        return rc == 1 ? 0 : 1;
    }
    if (strcmp(verb, "servers") == 0) {
        struct seen_names seen = {.n = 0};
        if (argc != 1)
            return unknown_arg("config servers", argv[1]);
        if (conf_each_server(path, print_server, &seen) != 0)
            return unreadable(path);
        return 0;
    }
    fprintf(stderr, "mrbctl: config: %s\n", argc ? "unknown command" : "get or servers?");
    usage(stderr);
    return 2;
}

/* Dispatches argv (after -c): returns the exit status. */
static int run(struct mrb_app *app, int argc, char **argv)
{
    const char *noun = argv[0], *verb = argc > 1 ? argv[1] : "";

    if (strcmp(noun, "status") == 0)
        return cmd_status(app, argc - 1, argv + 1);
    if (strcmp(noun, "server") == 0) {
        if (strcmp(verb, "add") == 0)
            return cmd_server_add(app, argc - 2, argv + 2);
        if (strcmp(verb, "sync") == 0)
            return cmd_server_sync(app, argc - 2, argv + 2);
        if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0)
            return cmd_server_state(app, verb, argc - 2, argv + 2);
        if (strcmp(verb, "cordon") == 0)
            return cmd_server_cordon(app, argc - 2, argv + 2);
        if (strcmp(verb, "drain") == 0)
            return cmd_server_drain(app, argc - 2, argv + 2);
        if (strcmp(verb, "undrain") == 0)
            return cmd_server_undrain(app, argc - 2, argv + 2);
        if (strcmp(verb, "panic") == 0)
            return cmd_server_panic(app, argc - 2, argv + 2);
        if (strcmp(verb, "remove") == 0)
            return cmd_server_remove(app, argc - 2, argv + 2);
    } else if (strcmp(noun, "room") == 0) {
        if (strcmp(verb, "list") == 0)
            return cmd_room_list(app, argc - 2, argv + 2);
        if (strcmp(verb, "show") == 0)
            return cmd_room_show(app, argc - 2, argv + 2);
        if (strcmp(verb, "end") == 0)
            return cmd_room_end(app, argc - 2, argv + 2);
    } else if (strcmp(noun, "events") == 0) {
        if (strcmp(verb, "list") == 0)
            return cmd_events_list(app, argc - 2, argv + 2);
        if (strcmp(verb, "replay") == 0)
            return cmd_events_replay(app, argc - 2, argv + 2);
    } else if (strcmp(noun, "token") == 0 && strcmp(verb, "host") == 0)
        return cmd_token_host(app, argc - 2, argv + 2);
    fprintf(stderr, "mrbctl: unknown command '%s%s%s'\n", noun, verb[0] ? " " : "", verb);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    struct mrb_app app;
    int rc;

    for (;;) {
        if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
            config = argv[2];
            argc -= 2;
            argv += 2;
        } else if (argc >= 2 && strcmp(argv[1], "--insecure-config") == 0) {
            app_allow_insecure_config = 1;
            argc -= 1;
            argv += 1;
        } else
            break;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        int help = argc == 2;
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (strcmp(argv[1], "config") == 0)
        return cmd_config(config ? config : conf_default_path(), argc - 2, argv + 2);
    if (app_init(&app, "mrbctl", config ? config : conf_default_path()) != 0)
        return 1;
    rc = run(&app, argc - 1, argv + 1);
    app_free(&app);
    return rc;
}
