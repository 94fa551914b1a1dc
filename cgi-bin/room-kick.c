/* POST /mrb/room-kick: a FastCGI adapter over moderate_kick(). */
#include "app.h"
#include "moderate.h"

int main(void)
{
    return app_serve_json("room-kick", moderate_kick, 200);
}
