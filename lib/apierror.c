/* The one table of API errors (see apierror.h) and the one way to set one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apierror.h"

static const struct apierror_info table[E_COUNT] = {
    [E_BAD_REQUEST] = {400, "400", "bad request"},
    [E_UNAUTHORIZED] = {401, "101", "unauthorized"},
    [E_NOT_HOST] = {403, "102", "not allowed"},
    [E_ROOM_NOT_FOUND] = {404, "104", "room not found"},
    [E_ROOM_GONE] = {410, "105", "room has ended"},
    [E_WRONG_KEY] = {403, "106", "wrong room key"},
    [E_ROOM_FULL] = {409, "107", "room is full"},
    [E_NO_PARTICIPANT] = {404, "108", "participant not in the room"},
    [E_TOO_MANY_KEYS] = {429, "109", "too many wrong keys; try again later"},
    [E_NOTHING_TO_MUTE] = {409, "110", "participant publishes no audio"},
    [E_METHOD] = {405, "405", "method not allowed"},
    [E_TOO_LARGE] = {413, "413", "request body too large"},
    [E_MEDIA_TYPE] = {415, "415", "Content-Type must be application/json"},
    [E_UNAVAILABLE] = {503, "503", "service unavailable; retry later"},
    [E_INTERNAL] = {500, "500", "internal error"},
};

const struct apierror_info *apierror_info(enum mrb_apierror e)
{
    return (unsigned)e < E_COUNT ? &table[e] : NULL;
}

void err_clear(struct mrb_err *e)
{
    memset(e, 0, sizeof(*e));
}

void err_set(struct mrb_err *e, enum mrb_apierror e_code, const char *fmt, ...)
{
    const struct apierror_info *info = apierror_info(e_code);
    va_list ap;

    if (e == NULL)
        return;
    if (info == NULL)
        info = &table[E_INTERNAL];
    e->http = info->http;
    e->retry_after = 0;
    snprintf(e->code, sizeof(e->code), "%s", info->code);
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

void err_set_code(struct mrb_err *e, enum mrb_apierror e_code)
{
    const struct apierror_info *info = apierror_info(e_code);

    err_set(e, e_code, "%s", info ? info->message : table[E_INTERNAL].message);
}
