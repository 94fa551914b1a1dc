/* POST /mrb/room-status: a FastCGI adapter over room_status(). */
#include "serve.h"
#include "room.h"

int main(void)
{
    return serve_json("room-status", room_status, 200);
}
