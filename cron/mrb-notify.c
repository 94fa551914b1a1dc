/* cron/mrb-notify: delivers MRB's events to the application (notify.h).
 * Not a cron job, though it lives with them: a long-lived program with its
 * own systemd unit (conf/systemd/mrb-notify.service), so that an event
 * leaves within about a second of its commit. Run it on every web node:
 * one holds the "notify" lease and sends, the others stand by and take
 * over within a few seconds of its death. SIGTERM ends it cleanly. */
#include "app.h"
#include "cli.h"
#include "notify.h"

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct mrb_app app;
    int rc = cli_parse(argc, argv, "mrb-notify", "delivers MRB's events to the application (Standard Webhooks)", &o);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    cli_catch_term();
    if (app_init(&app, "mrb-notify", o.config) != 0)
        return 1;
    rc = notify_run(&app, &cli_stopping);
    app_free(&app);
    return rc;
}
