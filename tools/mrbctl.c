/* mrbctl: the operator's command line over libmrb. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "servers.h"
#include "token.h"
#include "util.h"

static void usage(FILE *f)
{
    fputs("usage: mrbctl [-c CONFIG] COMMAND\n"
          "  server sync FILE [--dry-run]   make the servers table match FILE's [server NAME] sections\n"
          "  token host --sub NAME [--ttl S] [--role ROLE]\n"
          "                                 mint an HS256 host JWT with the configured secret (dev)\n"
          "CONFIG defaults to $MRB_CONFIG, then " CONF_DEFAULT_PATH ".\n",
          f);
}

static int cmd_server_sync(struct mrb_app *app, int argc, char **argv)
{
    struct mrb_conf from;
    struct mrb_err err = {0};
    char errbuf[512];
    const char *file = NULL;
    int dry = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0)
            dry = 1;
        else if (file == NULL)
            file = argv[i];
        else
            return usage(stderr), 2;
    }
    if (file == NULL)
        return usage(stderr), 2;
    if (conf_load(file, &from, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "mrbctl: %s\n", errbuf);
        return 1;
    }
    rc = servers_sync(app, &from, dry, &err);
    conf_free(&from);
    if (rc != 0) {
        fprintf(stderr, "mrbctl: server sync: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int cmd_token_host(struct mrb_app *app, int argc, char **argv)
{
    const char *sub = NULL, *role = NULL;
    long ttl = 3600;
    char *jwt;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--sub") == 0 && i + 1 < argc)
            sub = argv[++i];
        else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc)
            ttl = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else
            return usage(stderr), 2;
    }
    if (sub == NULL || ttl <= 0)
        return usage(stderr), 2;
    if (app->conf.auth.alg != CONF_JWT_HS256) {
        fprintf(stderr, "mrbctl: token host needs jwt_alg = HS256 (the key to sign with)\n");
        return 1;
    }
    jwt = token_jwt_mint(&app->conf, sub, role ? role : app->conf.auth.host_value, util_now(), ttl);
    if (jwt == NULL) {
        fprintf(stderr, "mrbctl: cannot mint token\n");
        return 1;
    }
    puts(jwt);
    free(jwt);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    struct mrb_app app;
    int rc = 2;

    if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
        config = argv[2];
        argc -= 2;
        argv += 2;
    }
    if (argc < 3) {
        usage(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (app_init(&app, "mrbctl", config ? config : conf_default_path()) != 0)
        return 1;
    if (strcmp(argv[1], "server") == 0 && strcmp(argv[2], "sync") == 0)
        rc = cmd_server_sync(&app, argc - 3, argv + 3);
    else if (strcmp(argv[1], "token") == 0 && strcmp(argv[2], "host") == 0)
        rc = cmd_token_host(&app, argc - 3, argv + 3);
    else
        usage(stderr);
    app_free(&app);
    return rc;
}
