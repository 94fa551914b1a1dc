#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include <fastcgi.h>

#include "app.h"
#include "http.h"
#include "janus.h"
#include "stats.h"

static volatile sig_atomic_t stopping;
/* Runs after each reply is finished, so bookkeeping never delays a client. */
static void (*after_reply)(struct mrb_app *app);

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    FCGX_ShutdownPending();
}

int app_allow_insecure_config;

/* 0 when path may be used: not readable by others, or allowed anyway. */
static int config_private(const char *name, const char *path)
{
    const char *env = getenv("MRB_INSECURE_CONFIG");
    struct stat st;

    if (app_allow_insecure_config || (env && strcmp(env, "1") == 0))
        return 0;
    if (stat(path, &st) != 0)
        return 0; /* conf_load() reports a missing file */
    if (st.st_mode & S_IROTH) {
        fprintf(stderr,
                "%s: config %s is readable by every user (mode %04o) and holds secrets; refusing it.\n"
                "  Fix: chmod o-r %s (and let only the web server's group read it), or, for development\n"
                "  only, pass --insecure-config (MRB_INSECURE_CONFIG=1 for FastCGI programs).\n",
                name, path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int app_init(struct mrb_app *app, const char *name, const char *config_path)
{
    char errbuf[512];

    memset(app, 0, sizeof(*app));
    app->name = name;
    if (config_private(name, config_path) != 0)
        return -1;
    if (conf_load(config_path, &app->conf, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "%s: config: %s\n", name, errbuf);
        return -1;
    }
    if (janus_init(&app->conf) != 0) {
        fprintf(stderr, "%s: cannot initialise libcurl\n", name);
        conf_free(&app->conf);
        return -1;
    }
    app->db = db_open(&app->conf);
    if (app->db == NULL) {
        fprintf(stderr, "%s: out of memory\n", name);
        janus_cleanup();
        conf_free(&app->conf);
        return -1;
    }
    return 0;
}

void app_free(struct mrb_app *app)
{
    db_close(app->db);
    janus_cleanup();
    conf_free(&app->conf);
}

#define STATS_IDLE_FLUSH_MS 1000

/* 1 when a connection arrives on the FastCGI listening socket (fd 0, as web
 * servers spawn FastCGI programs) within ms; 0 on timeout or a signal. */
static int request_within(int ms)
{
    struct pollfd p = {.fd = FCGI_LISTENSOCK_FILENO, .events = POLLIN};

    return poll(&p, 1, ms) > 0;
}

int app_serve(const char *name, app_handler handler)
{
    struct mrb_app app;
    FCGX_Request rq;
    struct sigaction sa;

    if (app_init(&app, name, conf_default_path()) != 0)
        return 1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a SIGTERM must interrupt the blocking accept(). */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, 0, 0) != 0) {
        fprintf(stderr, "%s: cannot initialise FastCGI\n", name);
        app_free(&app);
        return 1;
    }
    while (!stopping) {
        if (stats_pending() && !request_within(STATS_IDLE_FLUSH_MS))
            stats_flush(&app); /* idle: write the counts now, not at the next request */
        if (stopping || FCGX_Accept_r(&rq) < 0)
            break;
        handler(&app, &rq);
        db_rollback(app.db); /* a handler never leaves a transaction open */
        FCGX_Finish_r(&rq);
        if (after_reply)
            after_reply(&app);
    }
    stats_flush(&app);
    FCGX_Free(&rq, 1);
    app_free(&app);
    return 0;
}

/* app_serve() handlers take no context: the one endpoint of this process. */
static struct {
    app_json_fn fn;
    int ok_status;
    char code[4]; /* the last reply's contract code, counted after it is sent */
} json_endpoint;

static void count_reply(struct mrb_app *app)
{
    stats_request(app, app->name, json_endpoint.code);
}

static void json_handler(struct mrb_app *app, FCGX_Request *rq)
{
    struct mrb_err err = {0};
    json_t *body = NULL, *data = NULL;

    app->client = http_param(rq, "REMOTE_ADDR");
    if (http_read_json(rq, "POST", &body, &err) == 0 &&
        json_endpoint.fn(app, http_bearer(rq), body, &data, &err) == 0) {
        http_reply_ok(rq, json_endpoint.ok_status, data);
        memcpy(json_endpoint.code, "000", 4);
    } else {
        http_reply_err(rq, &err);
        snprintf(json_endpoint.code, sizeof(json_endpoint.code), "%s", err.code[0] ? err.code : "500");
    }
    app->client = NULL;
    json_decref(body);
}

int app_serve_json(const char *name, app_json_fn fn, int ok_status)
{
    json_endpoint.fn = fn;
    json_endpoint.ok_status = ok_status;
    after_reply = count_reply;
    return app_serve(name, json_handler);
}
