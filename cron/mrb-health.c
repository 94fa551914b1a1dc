/* cron/mrb-health: poll media servers, keep their scores fresh, and move
 * the rooms of a server that died. Run by cron every minute; it loops
 * inside the minute at [health] interval (--once: a single poll). */
#include <signal.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "health.h"

static volatile int stopping;

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
    int rc = cli_parse(argc, argv, "mrb-health", "polls media servers and fails over dead ones", &o);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: the sleep ends at once */
    sigaction(SIGINT, &sa, NULL);
    if (app_init(&app, "mrb-health", o.config) != 0)
        return 1;
    rc = health_run(&app, o.once, o.dry_run, &stopping);
    app_free(&app);
    return rc;
}
