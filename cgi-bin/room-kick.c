/* POST /mrb/room-kick: a FastCGI adapter over moderate_kick(). */
#include "serve.h"
#include "moderate.h"

int main(void)
{
    return serve_json("room-kick", moderate_kick, 200);
}
