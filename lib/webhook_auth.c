/* Who is posting events (webhook_auth.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "util.h"
#include "webhook_auth.h"

#define CREDENTIAL_MAX 512 /* "user:password", decoded */
#define REMEMBERED 32      /* database-registered servers this process has verified */

/* Servers verified against the database, for when it is down. */
static struct remembered {
    char user[65], server[WEBHOOK_AUTH_SERVER_MAX], digest[65];
} remembered[REMEMBERED];
static size_t n_remembered, next_slot;

/* 1 when the digests match; both are 64 hex characters, so no length leaks. */
static int digest_eq(const char *a, const char *b)
{
    return strlen(a) == 64 && strlen(b) == 64 && CRYPTO_memcmp(a, b, 64) == 0;
}

static void remember(const char *user, const char *server, const char *digest)
{
    struct remembered *r = NULL;

    /* one that does not fit is not remembered (a cut name could match
     * another's), only checked against the database each time */
    if (strlen(user) >= sizeof(r->user) || strlen(server) >= sizeof(r->server) || strlen(digest) >= sizeof(r->digest))
        return;
    for (size_t i = 0; i < n_remembered && r == NULL; i++)
        if (strcmp(remembered[i].user, user) == 0)
            r = &remembered[i];
    if (r == NULL) {
        r = &remembered[next_slot];
        next_slot = (next_slot + 1) % REMEMBERED;
        if (n_remembered < REMEMBERED)
            n_remembered++;
    }
    memcpy(r->user, user, strlen(user) + 1);
    memcpy(r->server, server, strlen(server) + 1);
    memcpy(r->digest, digest, strlen(digest) + 1);
}

/* The database's view: 1 match (server set), 0 no such user or a wrong
 * password, -1 the database cannot say. */
static int check_db(struct mrb_app *app, const char *user, const char *digest, char *server)
{
    static const char sql[] = "SELECT id, webhook_digest FROM servers WHERE webhook_user = ?";
    struct db_col cols[2] = {{.type = DB_STR}, {.type = DB_STR}};
    struct db_val p[] = {DB_S(user)};
    int n = db_query(app->db, sql, DB_PARAMS(p), cols, 2, NULL, NULL, NULL);

    if (n < 0)
        return -1;
    if (n == 0 || cols[1].is_null || !digest_eq(cols[1].s, digest) ||
        db_col_str(server, WEBHOOK_AUTH_SERVER_MAX, &cols[0]) != 0)
        return 0;
    remember(user, server, digest);
    return 1;
}

enum webhook_auth_result webhook_auth_check(struct mrb_app *app, const char *authorization,
                                            char server[WEBHOOK_AUTH_SERVER_MAX], struct mrb_err *err)
{
    const struct mrb_conf *c = &app->conf;
    unsigned char cred[CREDENTIAL_MAX + 1];
    char digest[65], want[65];
    const char *password;
    enum webhook_auth_result rc = WEBHOOK_AUTH_REFUSED;
    int len, db;

    server[0] = '\0';
    if (authorization == NULL || strncmp(authorization, "Basic ", 6) != 0)
        goto refused;
    len = util_base64_decode(authorization + 6, strlen(authorization + 6), cred, sizeof(cred));
    if (len <= 0 || memchr(cred, '\0', (size_t)len) != NULL || (password = strchr((char *)cred, ':')) == NULL)
        goto refused;
    *(char *)password++ = '\0'; /* cred is now the user */
    if (util_sha256_hex(password, digest) != 0)
        goto refused;
    for (size_t i = 0; i < c->n_servers; i++) {
        const struct conf_server *s = &c->servers[i];
        if (s->webhook_user && strcmp(s->webhook_user, (char *)cred) == 0) {
            if (util_sha256_hex(s->webhook_password, want) != 0 || !digest_eq(want, digest))
                goto refused;
            snprintf(server, WEBHOOK_AUTH_SERVER_MAX, "%s", s->name);
            rc = WEBHOOK_AUTH_SERVER;
            goto done;
        }
    }
    if (c->webhook.user && util_const_streq((char *)cred, c->webhook.user) &&
        util_const_streq(password, c->webhook.password)) {
        rc = WEBHOOK_AUTH_SHARED;
        goto done;
    }
    db = check_db(app, (char *)cred, digest, server);
    if (db == 1) {
        rc = WEBHOOK_AUTH_SERVER;
        goto done;
    }
    if (db < 0) {
        for (size_t i = 0; i < n_remembered; i++)
            if (strcmp(remembered[i].user, (char *)cred) == 0 && digest_eq(remembered[i].digest, digest)) {
                snprintf(server, WEBHOOK_AUTH_SERVER_MAX, "%s", remembered[i].server);
                rc = WEBHOOK_AUTH_SERVER;
                goto done;
            }
        rc = WEBHOOK_AUTH_UNAVAILABLE;
        err_set(err, E_UNAVAILABLE, "cannot check webhook credentials now");
        goto done;
    }
refused:
    err_set(err, E_UNAUTHORIZED, "webhook credentials required");
done:
    OPENSSL_cleanse(cred, sizeof(cred));
    OPENSSL_cleanse(digest, sizeof(digest));
    return rc;
}
