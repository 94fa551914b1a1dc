/* POST /mrb/room-mute: a FastCGI adapter over moderate_mute(). */
#include "app.h"
#include "moderate.h"

int main(void)
{
    return app_serve_json("room-mute", moderate_mute, 200);
}
