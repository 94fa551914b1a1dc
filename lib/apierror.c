#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apierror.h"

void err_clear(struct mrb_err *e)
{
    memset(e, 0, sizeof(*e));
}

void err_set(struct mrb_err *e, int http, const char *code, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    e->http = http;
    e->retry_after = 0;
    snprintf(e->code, sizeof(e->code), "%s", code);
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}
