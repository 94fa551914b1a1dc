/* GET /mrb/metrics: Prometheus text exposition, built by metrics_render().
 * Text, not a JSON API answer: not counted in mrb_requests_total. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics.h"
#include "serve.h"

static void handle(struct mrb_app *app, FCGX_Request *rq, char code[4])
{
    struct mrb_err err = {0};
    char *text = NULL;

    (void)code;
    if (http_check_get(rq, &err) == 0 && (text = metrics_render(app, &err)) != NULL)
        http_reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
    else
        http_reply_err(rq, &err);
    free(text);
}

int main(void)
{
    return serve_run("metrics", handle);
}
