/* POST /mrb/event-webhook: Janus event handlers post here, each media server
 * with its own credential (webhook_auth_check()); events_receive() does the
 * work. The body may be one event or an array, gzip or not. */
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "events.h"
#include "http.h"
#include "webhook_auth.h"

#define WEBHOOK_MAX_BODY (1024 * 1024) /* 100 events with full info blocks */

static void handle(struct mrb_app *app, FCGX_Request *rq, char code[4])
{
    struct mrb_err err = {0};
    const char *method = http_param(rq, "REQUEST_METHOD");
    char server[WEBHOOK_AUTH_SERVER_MAX];
    enum webhook_auth_result who = WEBHOOK_AUTH_REFUSED;
    char *body = NULL;
    size_t len = 0;
    int accepted = 0;

    if (method == NULL || strcmp(method, "POST") != 0)
        err_set(&err, E_METHOD, "method not allowed: use POST");
    else if ((who = webhook_auth_check(app, http_param(rq, "HTTP_AUTHORIZATION"), server, &err)) < 0)
        ; /* err says 401 or 503 */
    else if (http_read_body(rq, WEBHOOK_MAX_BODY, &body, &len, &err) == 0 &&
             http_gunzip_if_needed(rq, &body, &len, WEBHOOK_MAX_BODY, &err) == 0 &&
             events_receive(app, who == WEBHOOK_AUTH_SERVER ? server : NULL, body, len, &accepted, &err) == 0) {
        free(body);
        serve_reply(rq, 200, json_pack("{s:i}", "accepted", accepted), &err, code);
        return;
    }
    free(body);
    serve_reply(rq, 0, NULL, &err, code);
}

int main(void)
{
    http_set_challenge("Basic realm=\"mrb webhook\"");
    return serve_run("event-webhook", handle);
}
