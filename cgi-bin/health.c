/* GET /mrb/health: for load balancers. 200 while MariaDB answers, else 503. */
#include "http.h"
#include "health.h"
#include "serve.h"

static void handle(struct mrb_app *app, FCGX_Request *rq, char code[4])
{
    struct mrb_err err = {0};
    json_t *data = NULL;

    if (http_check_get(rq, &err) == 0 && health_report(app, &data, &err) == 0)
        serve_reply(rq, 200, data, &err, code);
    else
        serve_reply(rq, 0, NULL, &err, code);
}

int main(void)
{
    return serve_run("health", handle);
}
