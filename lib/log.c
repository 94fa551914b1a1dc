/* The library's one way to log (log.h): warnings and errors on stderr,
 * routine lines where routine lines belong (syslog or the journal), so
 * that cron's "mail what a job writes" mails only problems. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *program = "mrb";

void log_set_program(const char *name)
{
    if (name)
        program = name;
}

/* Where routine (info) lines go, decided once:
 *  - MRB_LOG_INFO=stderr, or stderr is a terminal (someone is watching), or
 *    it is the systemd journal (JOURNAL_STREAM): stderr, which the journal
 *    files at the level the line's "<6>" prefix gives;
 *  - MRB_LOG_INFO=off: nowhere;
 *  - otherwise (cron, a web server's error log): syslog, facility daemon,
 *    level info. */
enum sink { SINK_UNSET, SINK_STDERR, SINK_SYSLOG, SINK_OFF };

static enum sink sink = SINK_UNSET;
static int journal; /* stderr is the systemd journal: lines carry their level */

static enum sink info_sink(void)
{
    const char *env;

    if (sink != SINK_UNSET)
        return sink;
    journal = getenv("JOURNAL_STREAM") != NULL;
    env = getenv("MRB_LOG_INFO");
    if (env && strcmp(env, "stderr") == 0)
        sink = SINK_STDERR;
    else if (env && strcmp(env, "off") == 0)
        sink = SINK_OFF;
    else if (env && strcmp(env, "syslog") == 0)
        sink = SINK_SYSLOG;
    else if (isatty(STDERR_FILENO) || journal)
        sink = SINK_STDERR;
    else
        sink = SINK_SYSLOG;
    if (sink == SINK_SYSLOG)
        openlog(program, LOG_PID, LOG_DAEMON);
    return sink;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = {"", "warning: ", "error: "};
    static const char *const journal_level[] = {"<6>", "<4>", "<3>"};
    char text[1024], line[1200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (info_sink() != SINK_STDERR && level == LOG_LVL_INFO) {
        if (sink == SINK_SYSLOG)
            syslog(LOG_INFO, "%s", text);
        return;
    }
    /* One write(2) of the whole line, so lines of concurrent workers
     * sharing one log file never interleave mid-line. */
    n = snprintf(line, sizeof(line), "%s%s: %s%s\n", journal ? journal_level[level] : "", program,
                 prefix[level], text);
    if (n > (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 1;
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return; /* nowhere left to say so */
}
