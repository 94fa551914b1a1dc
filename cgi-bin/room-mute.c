/* POST /mrb/room-mute: a FastCGI adapter over moderate_mute(). */
#include "serve.h"
#include "moderate.h"

int main(void)
{
    return serve_json("room-mute", moderate_mute, 200);
}
