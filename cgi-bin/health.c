/* GET /mrb/health: for load balancers. 200 while MariaDB answers, else 503. */
#include "app.h"
#include "http.h"
#include "stats.h"

static void handle(struct mrb_app *app, FCGX_Request *rq)
{
    struct mrb_err err = {0};
    json_t *data = NULL;

    if (http_check_get(rq, &err) == 0 && stats_health(app, &data, &err) == 0)
        http_reply_ok(rq, 200, data);
    else
        http_reply_err(rq, &err);
}

int main(void)
{
    return app_serve("health", handle);
}
