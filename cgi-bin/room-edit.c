/* POST /mrb/room-edit: a FastCGI adapter over moderate_edit(). */
#include "serve.h"
#include "moderate.h"

int main(void)
{
    return serve_json("room-edit", moderate_edit, 200);
}
