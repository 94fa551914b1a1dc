/* POST /mrb/room-edit: a FastCGI adapter over moderate_edit(). */
#include "app.h"
#include "moderate.h"

int main(void)
{
    return app_serve_json("room-edit", moderate_edit, 200);
}
