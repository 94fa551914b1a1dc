/* libFuzzer target: request bodies as the endpoints see them. The bytes go
 * through the same JSON reading as http_read_json() (duplicate keys refused,
 * an object required), then through every endpoint's field table. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "valid.h"

static const struct valid_field create_fields[] = {
    {"roomNm", VALID_STRING, VALID_REQUIRED, 1, 100}, {"description", VALID_STRING, 0, 0, 200},
    {"roomKey", VALID_DIGITS, 0, 4, 12},              {"maxParticipants", VALID_INT, 0, 2, 16},
    {"ttlSeconds", VALID_INT, 0, 10, 86400},          {"record", VALID_BOOL, 0, 0, 0},
};
static const struct valid_field join_fields[] = {
    {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64}, {"roomKey", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"display", VALID_STRING, 0, 0, 64},             {"userId", VALID_STRING, 0, 1, 64},
};
static const struct valid_field mute_fields[] = {
    {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"participantId", VALID_STRING, VALID_REQUIRED, 1, 64},
    {"muted", VALID_BOOL, VALID_REQUIRED, 0, 0},
};
static const struct valid_field edit_fields[] = {
    {"roomId", VALID_STRING, VALID_REQUIRED, 1, 64}, {"roomNm", VALID_STRING, 0, 1, 100},
    {"roomKey", VALID_DIGITS, 0, 4, 12},             {"ttlSeconds", VALID_INT, 0, 10, 86400},
    {"maxParticipants", VALID_INT, 0, 2, 16},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    struct mrb_err err;

    if (j == NULL)
        return 0;
    if (json_is_object(j)) {
        if (valid_check(j, create_fields, N(create_fields), &err) == 0) {
            (void)valid_str(j, "roomNm", "");
            (void)valid_int(j, "ttlSeconds", 0);
            (void)valid_bool(j, "record", 0);
        }
        (void)valid_check(j, join_fields, N(join_fields), &err);
        (void)valid_check(j, mute_fields, N(mute_fields), &err);
        (void)valid_check(j, edit_fields, N(edit_fields), &err);
    }
    json_decref(j);
    return 0;
}
