/* POST /mrb/create-room: a FastCGI adapter over room_create(). */
#include "app.h"
#include "room.h"

int main(void)
{
    return app_serve_json("create-room", room_create, 201);
}
