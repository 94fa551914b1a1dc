/* The cron programs' flags (cli.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "conf.h"

int cli_parse(int argc, char **argv, const char *name, const char *what, struct cli_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            o->once = 1;
        else if (strcmp(argv[i], "--dry-run") == 0)
            o->dry_run = 1;
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            o->config = argv[++i];
        else if (strcmp(argv[i], "--insecure-config") == 0)
            app_allow_insecure_config = 1;
        else {
            int help = strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
            fprintf(help ? stdout : stderr,
                    "usage: %s [--once] [--dry-run] [-c CONFIG] [--insecure-config]\n  %s\n"
                    "CONFIG defaults to $MRB_CONFIG, then " CONF_DEFAULT_PATH ".\n",
                    name, what);
            return help ? 1 : -1;
        }
    }
    if (o->config == NULL)
        o->config = conf_default_path();
    return 0;
}

volatile sig_atomic_t cli_stopping;

static void on_term(int sig)
{
    (void)sig;
    cli_stopping = 1;
}

void cli_catch_term(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}
