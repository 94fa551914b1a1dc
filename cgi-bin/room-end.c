/* POST /mrb/room-end: a FastCGI adapter over moderate_end(). */
#include "serve.h"
#include "moderate.h"

int main(void)
{
    return serve_json("room-end", moderate_end, 200);
}
