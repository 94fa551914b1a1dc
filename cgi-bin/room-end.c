/* POST /mrb/room-end: a FastCGI adapter over moderate_end(). */
#include "app.h"
#include "moderate.h"

int main(void)
{
    return app_serve_json("room-end", moderate_end, 200);
}
