/* libFuzzer target: webhook bodies as event-webhook reads them (one event
 * or an array), every event through events_parse(), the part of the
 * webhook that handles outside bytes before anything reaches MariaDB. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL), *ev;
    struct events_event e;
    size_t i;

    if (doc == NULL)
        return 0;
    if (json_is_array(doc)) {
        json_array_foreach(doc, i, ev)
        {
            if (events_parse(ev, &e) == EVENTS_PLUGIN && e.room)
                (void)strlen(e.display);
        }
    } else
        (void)events_parse(doc, &e);
    json_decref(doc);
    return 0;
}
