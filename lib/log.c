/* The library's one way to log (log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *program = "mrb";

void log_set_program(const char *name)
{
    if (name)
        program = name;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = {"", "warning: ", "error: "};
    char line[1024];
    va_list ap;

    /* One fputs of the whole line, so lines of concurrent workers sharing
     * one log file never interleave mid-line. */
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s%s\n", program, prefix[level], line);
}
