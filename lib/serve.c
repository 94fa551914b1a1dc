/* The FastCGI side of every program in cgi-bin/: the accept loop, SIGTERM,
 * and the one place a JSON endpoint's answer is sent and counted. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <fastcgi.h>

#include "cidr.h"
#include "http.h"
#include "log.h"
#include "serve.h"
#include "counters.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    FCGX_ShutdownPending();
}

#define COUNTERS_IDLE_FLUSH_MS 1000

/* 1 when a connection arrives on the FastCGI listening socket (fd 0, as web
 * servers spawn FastCGI programs) within ms; 0 on timeout or a signal. */
static int request_within(int ms)
{
    struct pollfd p = {.fd = FCGI_LISTENSOCK_FILENO, .events = POLLIN};

    return poll(&p, 1, ms) > 0;
}

int serve_run(const char *name, serve_handler handler)
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
        log_msg(LOG_LVL_ERROR, "cannot initialise FastCGI");
        app_free(&app);
        return 1;
    }
    while (!stopping) {
        if (counters_pending() && !request_within(COUNTERS_IDLE_FLUSH_MS))
            counters_flush(&app); /* idle: write the counts now, not at the next request */
        if (stopping || FCGX_Accept_r(&rq) < 0)
            break;
        char code[4] = "";
        handler(&app, &rq, code);
        db_rollback(app.db); /* a handler never leaves a transaction open */
        FCGX_Finish_r(&rq);
        if (code[0]) /* counted after the reply is sent, so it never delays a client */
            counters_request(&app, app.name, code);
        db_idle(app.db); /* failback to an earlier database node, between requests */
    }
    counters_flush(&app);
    FCGX_Free(&rq, 1);
    app_free(&app);
    return 0;
}

/* serve_run() handlers take no context: the one endpoint of this process. */
static struct {
    serve_json_fn fn;
    int ok_status;
} json_endpoint;

static void json_handler(struct mrb_app *app, FCGX_Request *rq, char code[4])
{
    struct mrb_err err = {0};
    json_t *body = NULL, *data = NULL;
    char client[64]; /* an IPv6 address at most */

    /* The real client, behind [limits] trusted_proxies: what limits key on.
     * Without trusted proxies it is the peer as the web server gives it, with
     * no parsing on every request (join-room is the hot path). */
    app->client = http_param(rq, "REMOTE_ADDR");
    if (app->conf.limits.n_trusted > 0)
        app->client = cidr_client(app->client, http_param(rq, "HTTP_X_FORWARDED_FOR"), app->conf.limits.trusted,
                                  app->conf.limits.n_trusted, client, sizeof(client));
    if (http_read_json(rq, "POST", &body, &err) == 0 &&
        json_endpoint.fn(app, http_bearer(rq), body, &data, &err) == 0)
        serve_reply(rq, json_endpoint.ok_status, data, &err, code);
    else
        serve_reply(rq, 0, NULL, &err, code);
    app->client = NULL;
    json_decref(body);
}

void serve_reply(FCGX_Request *rq, int ok_status, json_t *data, struct mrb_err *err, char code[4])
{
    if (ok_status && data == NULL) /* the handler succeeded but its reply could not be built */
        err_set(err, E_UNAVAILABLE, "cannot build reply");
    if (ok_status && data) {
        http_reply_ok(rq, ok_status, data);
        memcpy(code, "000", 4);
        return;
    }
    http_reply_err(rq, err);
    snprintf(code, 4, "%s", err->code[0] ? err->code : apierror_info(E_INTERNAL)->code);
}

int serve_json(const char *name, serve_json_fn fn, int ok_status)
{
    json_endpoint.fn = fn;
    json_endpoint.ok_status = ok_status;
    return serve_run(name, json_handler);
}
