/* POST /mrb/create-room: a FastCGI adapter over room_create(). */
#include "serve.h"
#include "room.h"

int main(void)
{
    return serve_json("create-room", room_create, 201);
}
