#ifndef MRB_LOG_H
#define MRB_LOG_H

/* The library's one way to log. "<program>: <message>", with "warning: "
 * or "error: " before the message for those levels. Warnings and errors
 * go to stderr, which the web server (FastCGI programs), cron or systemd
 * (the jobs) keeps; routine (info) lines go to syslog at level info, or
 * to stderr when it is the journal or a terminal, or when MRB_LOG_INFO=
 * stderr (the dev stack and the tests) — see log.c. Never pass a secret
 * or a token. The programs print their own output themselves: mrb-expire
 * its summary line and mrbctl its messages, on stderr in the same
 * "<program>: " form, and mrbctl its answers on stdout. */

enum log_level { LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* The program name every line starts with ("mrb" until set). app_init()
 * sets it; name must outlive the process (a literal). */
void log_set_program(const char *name);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
