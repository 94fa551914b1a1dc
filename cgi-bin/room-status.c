/* POST /mrb/room-status: a FastCGI adapter over room_status(). */
#include "app.h"
#include "http.h"
#include "room.h"

static void handle(struct mrb_app *app, FCGX_Request *rq)
{
    struct mrb_err err = {0};
    json_t *body = NULL, *data = NULL;

    if (http_read_json(rq, "POST", &body, &err) == 0 &&
        room_status(app, http_bearer(rq), body, &data, &err) == 0)
        http_reply_ok(rq, 200, data);
    else
        http_reply_err(rq, &err);
    json_decref(body);
}

int main(void)
{
    return app_serve("room-status", handle);
}
