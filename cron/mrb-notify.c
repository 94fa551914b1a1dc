/* cron/mrb-notify: delivers MRB's events to the application (notify.h).
 * Not a cron job, though it lives with them: a long-lived program with its
 * own systemd unit (conf/systemd/mrb-notify.service), so that an event
 * leaves within about a second of its commit. Run it on every web node:
 * one holds the "notify" lease and sends, the others stand by and take
 * over within a few seconds of its death. SIGTERM ends it cleanly. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "notify.h"
#include "util.h"

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct mrb_app app;
    struct sigaction sa;
    char holder[128], host[64] = "?", tag[12];
    int rc = cli_parse(argc, argv, "mrb-notify", "delivers MRB's events to the application (Standard Webhooks)", &o);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: a pause ends at once */
    sigaction(SIGINT, &sa, NULL);
    if (app_init(&app, "mrb-notify", o.config) != 0)
        return 1;
    gethostname(host, sizeof(host) - 1);
    if (util_random_token(tag, sizeof(tag), 6) != 0)
        snprintf(tag, sizeof(tag), "x");
    /* host:pid:random: a restarted process is a new holder */
    snprintf(holder, sizeof(holder), "%s:%ld:%s", host, (long)getpid(), tag);
    rc = notify_run(&app, holder, &stopping);
    app_free(&app);
    return rc;
}
