/* The process's start and end (app.h): the config refused when others can
 * read it, then loaded; the Janus client and the DB handle opened. */
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "janus.h"

int app_allow_insecure_config;

/* 0 when path may be used: not readable by others, or allowed anyway. */
static int config_private(const char *path)
{
    const char *env = getenv("MRB_INSECURE_CONFIG");
    struct stat st;

    if (app_allow_insecure_config || (env && strcmp(env, "1") == 0))
        return 0;
    if (stat(path, &st) != 0)
        return 0; /* conf_load() reports a missing file */
    if (st.st_mode & S_IROTH) {
        log_msg(LOG_LVL_ERROR,
                "config %s is readable by every user (mode %04o) and holds secrets; refusing it.\n"
                "  Fix: chmod o-r %s (and let only the web server's group read it), or, for development\n"
                "  only, pass --insecure-config (MRB_INSECURE_CONFIG=1 for FastCGI programs).",
                path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int app_init(struct mrb_app *app, const char *name, const char *config_path)
{
    char errbuf[512];

    memset(app, 0, sizeof(*app));
    app->name = name;
    log_set_program(name);
    if (config_private(config_path) != 0)
        return -1;
    if (conf_load(config_path, &app->conf, errbuf, sizeof(errbuf)) != 0) {
        log_msg(LOG_LVL_ERROR, "config: %s", errbuf);
        return -1;
    }
    if (janus_init(&app->conf) != 0) {
        log_msg(LOG_LVL_ERROR, "cannot initialise libcurl");
        conf_free(&app->conf);
        return -1;
    }
    if (app->conf.webhook.user)
        log_msg(LOG_LVL_WARN, "%s", CONF_SHARED_WEBHOOK_WARNING);
    for (size_t i = 0; i < app->conf.n_servers; i++)
        if (conf_url_plaintext_remote(app->conf.servers[i].admin_url))
            log_msg(LOG_LVL_WARN, "[server %s] admin_url is http:// to a host that is not loopback: the admin "
                                  "secret and the rooms' secrets cross the network in clear; use https:// "
                                  "(docs/SECURITY.md)", app->conf.servers[i].name);
    app->db = db_open(&app->conf);
    if (app->db == NULL) {
        log_msg(LOG_LVL_ERROR, "out of memory");
        janus_cleanup();
        conf_free(&app->conf);
        return -1;
    }
    return 0;
}

void app_free(struct mrb_app *app)
{
    db_close(app->db);
    janus_cleanup();
    conf_free(&app->conf);
}
