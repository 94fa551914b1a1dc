/* cron/mrb-expire: destroy expired rooms on their media servers. Run by
 * cron every minute; --once is accepted for symmetry (every run is one). */
#include <time.h>

#include "app.h"
#include "cli.h"
#include "expire.h"
#include "log.h"

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct mrb_app app;
    struct expire_stats st;
    struct timespec t0, t1;
    int rc = cli_parse(argc, argv, "mrb-expire", "destroys expired rooms on their media servers", &o);

    if (rc != 0)
        return rc < 0 ? 2 : 0;
    if (app_init(&app, "mrb-expire", o.config) != 0)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = expire_run(&app, o.dry_run, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == 0 && (st.expired || st.purged_seats || st.purged_participants || st.purged_rooms))
        log_msg(LOG_LVL_INFO,
                "%ld expired: %ld destroyed, %ld already gone, %ld to retry; purged %ld seats, "
                "%ld participants, %ld digests, %ld ended rooms past retain_days; %.0f ms%s",
                st.expired, st.destroyed, st.gone, st.failed, st.purged_seats, st.purged_participants,
                st.purged_events, st.purged_rooms,
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                o.dry_run ? " (dry run)" : "");
    app_free(&app);
    return rc == 0 ? 0 : 1;
}
