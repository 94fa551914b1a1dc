/* Tokens and credentials (token.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "token.h"
#include "util.h"

static int hmac_sha1_b64(const char *secret, const char *data, char *out, size_t outlen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;

    if (HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)data, strlen(data), mac,
             &maclen) == NULL)
        return -1;
    return util_base64(mac, maclen, out, outlen) < 0 ? -1 : 0;
}

int token_janus(const char *secret, long long expiry, const char *plugin, char *out, size_t outlen)
{
    char data[160], sig[64];
    int n = snprintf(data, sizeof(data), "%lld,janus,%s", expiry, plugin);

    if (n < 0 || (size_t)n >= sizeof(data) || hmac_sha1_b64(secret, data, sig, sizeof(sig)) != 0)
        return -1;
    n = snprintf(out, outlen, "%s:%s", data, sig);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int token_turn(const char *secret, long long expiry, const char *user, char *username, size_t ulen,
               char *credential, size_t clen)
{
    int n = snprintf(username, ulen, "%lld:%s", expiry, user);

    if (n < 0 || (size_t)n >= ulen)
        return -1;
    return hmac_sha1_b64(secret, username, credential, clen);
}

long long token_turn_expiry(long long now, long long room_expires, long long seat_grace, long long credential_ttl)
{
    long long until_room = room_expires + seat_grace;

    return until_room < now + credential_ttl ? until_room : now + credential_ttl;
}

static const char *alg_name(enum conf_jwt_alg a)
{
    return a == CONF_JWT_RS256 ? "RS256" : a == CONF_JWT_ES256 ? "ES256" : "HS256";
}

static jwt_alg_t alg_jwt(enum conf_jwt_alg a)
{
    return a == CONF_JWT_RS256 ? JWT_ALG_RS256 : a == CONF_JWT_ES256 ? JWT_ALG_ES256 : JWT_ALG_HS256;
}

/* Reads the header segment ourselves: libjwt 1.10 would verify an HS256
 * token with whatever key it is given, including an RS256 public key. */
static int header_alg_ok(const char *jwt, enum conf_jwt_alg want)
{
    const char *dot = strchr(jwt, '.');
    unsigned char raw[512];
    json_t *h;
    int n, ok;

    if (dot == NULL || dot == jwt || (size_t)(dot - jwt) > 680)
        return 0;
    n = util_base64url_decode(jwt, (size_t)(dot - jwt), raw, sizeof(raw));
    if (n <= 0)
        return 0;
    h = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    ok = json_is_object(h) && json_is_string(json_object_get(h, "alg")) &&
         strcmp(json_string_value(json_object_get(h, "alg")), alg_name(want)) == 0;
    json_decref(h);
    return ok;
}

/* header.payload.signature, none empty, base64url only: libjwt 1.10 writes
 * past a zero-size buffer when handed an empty payload. */
static int three_segments(const char *jwt)
{
    int dots = 0, seglen = 0;

    for (const char *p = jwt; *p; p++) {
        if (*p == '.') {
            if (seglen == 0)
                return 0;
            dots++;
            seglen = 0;
        } else if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                   *p == '-' || *p == '_') {
            seglen++;
        } else {
            return 0;
        }
    }
    return dots == 2 && seglen > 0;
}

static int has_value(json_t *v, const char *want)
{
    size_t i;
    json_t *item;

    if (json_is_string(v))
        return strcmp(json_string_value(v), want) == 0;
    json_array_foreach(v, i, item) if (json_is_string(item) && strcmp(json_string_value(item), want) == 0) return 1;
    return 0;
}

static int time_claim(json_t *claims, const char *name, long long *out)
{
    json_t *v = json_object_get(claims, name);

    if (v == NULL)
        return 0;
    if (json_is_integer(v))
        *out = (long long)json_integer_value(v);
    else if (json_is_real(v))
        *out = (long long)json_real_value(v);
    else
        return -1;
    return 1;
}

int token_jwt_verify(const struct mrb_conf *conf, const char *jwt, long long now,
                     struct token_claims *claims, struct mrb_err *err)
{
    const unsigned char *key;
    int keylen;
    jwt_t *t = NULL;
    char *grants = NULL;
    json_t *c = NULL, *roles;
    long long exp = 0, nbf = 0;
    int rc = -1, has;
    long leeway = conf->auth.leeway;
    const char *sub;

    memset(claims, 0, sizeof(*claims));
    if (jwt == NULL) {
        err_set(err, E_UNAUTHORIZED, "missing bearer token");
        return -1;
    }
    if (strlen(jwt) > TOKEN_JWT_MAX || !three_segments(jwt) || !header_alg_ok(jwt, conf->auth.alg)) {
        err_set(err, E_UNAUTHORIZED, "invalid token");
        return -1;
    }
    if (conf->auth.alg == CONF_JWT_HS256) {
        key = (const unsigned char *)conf->auth.secret;
        keylen = (int)strlen(conf->auth.secret);
    } else {
        key = conf->auth.public_key;
        keylen = (int)conf->auth.public_key_len;
    }
    if (jwt_decode(&t, jwt, key, keylen) != 0 || t == NULL || jwt_get_alg(t) != alg_jwt(conf->auth.alg)) {
        err_set(err, E_UNAUTHORIZED, "invalid token");
        goto out;
    }
    grants = jwt_get_grants_json(t, NULL);
    c = grants ? json_loads(grants, 0, NULL) : NULL;
    if (!json_is_object(c)) {
        err_set(err, E_UNAUTHORIZED, "invalid token");
        goto out;
    }
    has = time_claim(c, "exp", &exp);
    if (has != 1) {
        err_set(err, E_UNAUTHORIZED, "token has no valid exp");
        goto out;
    }
    if (now > exp + leeway) {
        err_set(err, E_UNAUTHORIZED, "token expired");
        goto out;
    }
    has = time_claim(c, "nbf", &nbf);
    if (has < 0 || (has == 1 && now + leeway < nbf)) {
        err_set(err, E_UNAUTHORIZED, "token not yet valid");
        goto out;
    }
    if (conf->auth.issuer && !(json_is_string(json_object_get(c, "iss")) &&
                               strcmp(json_string_value(json_object_get(c, "iss")), conf->auth.issuer) == 0)) {
        err_set(err, E_UNAUTHORIZED, "token issuer not accepted");
        goto out;
    }
    if (conf->auth.audience && !has_value(json_object_get(c, "aud"), conf->auth.audience)) {
        err_set(err, E_UNAUTHORIZED, "token audience not accepted");
        goto out;
    }
    /* The sub names the host who owns the rooms: without one, every such
     * host would be the owner ""; cut to fit, two hosts sharing a prefix
     * would be one. Both are refused. */
    sub = json_string_value(json_object_get(c, "sub"));
    if (sub == NULL || sub[0] == '\0') {
        err_set(err, E_UNAUTHORIZED, "token has no sub (a non-empty string naming the host)");
        goto out;
    }
    if (strlen(sub) >= sizeof(claims->sub)) {
        err_set(err, E_UNAUTHORIZED, "token sub is longer than %zu bytes", sizeof(claims->sub) - 1);
        goto out;
    }
    snprintf(claims->sub, sizeof(claims->sub), "%s", sub);
    claims->exp = exp;
    /* role == host, or host in roles[]: claim names come from config */
    roles = json_object_get(c, conf->auth.host_claim);
    claims->is_host = has_value(roles, conf->auth.host_value) ||
                      has_value(json_object_get(c, "roles"), conf->auth.host_value);
    claims->is_admin = has_value(roles, conf->auth.admin_value) ||
                       has_value(json_object_get(c, "roles"), conf->auth.admin_value);
    rc = 0;
out:
    json_decref(c);
    free(grants);
    jwt_free(t);
    return rc;
}

char *token_jwt_mint(const struct mrb_conf *conf, const char *sub, const char *role, long long now, long ttl)
{
    jwt_t *t = NULL;
    char *out = NULL;

    if (conf->auth.alg != CONF_JWT_HS256 || jwt_new(&t) != 0)
        return NULL;
    if (jwt_add_grant(t, "sub", sub) != 0 || jwt_add_grant(t, conf->auth.host_claim, role) != 0 ||
        jwt_add_grant_int(t, "iat", (long)now) != 0 || jwt_add_grant_int(t, "exp", (long)(now + ttl)) != 0)
        goto out;
    if (conf->auth.issuer && jwt_add_grant(t, "iss", conf->auth.issuer) != 0)
        goto out;
    if (conf->auth.audience && jwt_add_grant(t, "aud", conf->auth.audience) != 0)
        goto out;
    if (jwt_set_alg(t, JWT_ALG_HS256, (const unsigned char *)conf->auth.secret,
                    (int)strlen(conf->auth.secret)) != 0)
        goto out;
    out = jwt_encode_str(t);
out:
    jwt_free(t);
    return out;
}
