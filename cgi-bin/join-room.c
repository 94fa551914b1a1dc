/* POST /mrb/join-room: a FastCGI adapter over room_join(). Guests carry no
 * bearer token: the room key is their credential. */
#include "serve.h"
#include "room.h"

static int join(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err)
{
    (void)bearer;
    return room_join(app, body, data, err);
}

int main(void)
{
    return serve_json("join-room", join, 200);
}
