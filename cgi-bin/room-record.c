/* POST /mrb/room-record: a FastCGI adapter over moderate_record(). */
#include "serve.h"
#include "moderate.h"

int main(void)
{
    return serve_json("room-record", moderate_record, 200);
}
