/* POST /mrb/room-record: a FastCGI adapter over moderate_record(). */
#include "app.h"
#include "moderate.h"

int main(void)
{
    return app_serve_json("room-record", moderate_record, 200);
}
