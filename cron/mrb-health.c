/* cron/mrb-health: poll media servers, keep their scores fresh, and move
 * the rooms of a server that died. Run by cron every minute; it loops
 * inside the minute at [health] interval (--once: a single poll). SIGTERM
 * ends it at the next check. */
#include "app.h"
#include "cli.h"
#include "health.h"

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct mrb_app app;
    int rc = cli_parse(argc, argv, "mrb-health", "polls media servers and fails over dead ones", &o);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    cli_catch_term();
    if (app_init(&app, "mrb-health", o.config) != 0)
        return 1;
    rc = health_run(&app, o.once, o.dry_run, &cli_stopping);
    app_free(&app);
    return rc;
}
