/* GET /mrb/metrics: Prometheus text exposition, built by stats_render(). */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "stats.h"

static void handle(struct mrb_app *app, FCGX_Request *rq)
{
    struct mrb_err err = {0};
    char *text = NULL;

    if (http_check_get(rq, &err) == 0 && (text = stats_render(app, &err)) != NULL)
        http_reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    else
        http_reply_err(rq, &err);
    free(text);
}

int main(void)
{
    return app_serve("metrics", handle);
}
