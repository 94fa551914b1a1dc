#ifndef MRB_TOKEN_H
#define MRB_TOKEN_H

/* Tokens and credentials: host JWTs verified (and minted, for mrbctl token
 * host), Janus signed tokens for one plugin, and TURN REST credentials. */

#include <stddef.h>

#include "conf.h"
#include "apierror.h"

#define TOKEN_JWT_MAX 8192 /* longer bearer tokens are refused unread */

/* Janus signed token: "<expiry>,janus,<plugin>:<base64(HMAC-SHA1(secret, data))>".
 * Writes it to out. Returns 0, or -1 when out is too small. */
int token_janus(const char *secret, long long expiry, const char *plugin, char *out, size_t outlen);

/* TURN REST credentials: username "<expiry>:<user>", credential
 * base64(HMAC-SHA1(secret, username)). Returns 0, or -1. */
int token_turn(const char *secret, long long expiry, const char *user, char *username, size_t ulen,
               char *credential, size_t clen);

/* When a TURN credential handed out at now expires: the room's end plus
 * seat_grace (time to reconnect through the relay while the room is being
 * ended or moved), never more than credential_ttl from now. A relay cannot
 * be refreshed after its credential's expiry, so it dies with the room
 * instead of serving its holder for a day. */
long long token_turn_expiry(long long now, long long room_expires, long long seat_grace, long long credential_ttl);

/* What a verified host JWT grants. */
struct token_claims {
    char sub[128];
    int is_host;
    int is_admin;
    long long exp;
};

/* Verifies a bearer JWT against the [auth] config at time now: header alg
 * must be exactly the configured one (so "none" and HS256-with-a-public-key
 * are refused before any signature check), signature, exp (required), nbf,
 * iss and aud (when configured), with the configured leeway. Returns 0 with
 * *claims filled, or -1 with a 401 (code 101) in err. Roles are reported,
 * not enforced: the caller decides what needs host rights. */
int token_jwt_verify(const struct mrb_conf *conf, const char *jwt, long long now,
                     struct token_claims *claims, struct mrb_err *err);

/* Mints an HS256 host JWT (mrbctl, tests). Returns a malloc'd string the
 * caller frees, or NULL. */
char *token_jwt_mint(const struct mrb_conf *conf, const char *sub, const char *role, long long now, long ttl);

#endif
