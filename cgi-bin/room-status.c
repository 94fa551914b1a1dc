/* POST /mrb/room-status: a FastCGI adapter over room_status(). */
#include "app.h"
#include "room.h"

int main(void)
{
    return app_serve_json("room-status", room_status, 200);
}
