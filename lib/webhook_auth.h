#ifndef MRB_WEBHOOK_AUTH_H
#define MRB_WEBHOOK_AUTH_H

#include "app.h"
#include "apierror.h"

/* Who is posting events: the webhook authenticates a media server, not
 * "some Janus". Each server has its own credential ([server NAME]
 * webhook_user / webhook_password, or mrbctl server add --webhook-user /
 * --webhook-password, kept in the servers table as a SHA-256); an event is
 * then believed only about that server. The shared [webhook] credential is
 * still accepted, for migration: events posted with it are believed about
 * whatever server they name, which is why MRB warns while it is set. */
enum webhook_auth_result {
    WEBHOOK_AUTH_SERVER = 0,       /* server holds the name of the server it authenticated */
    WEBHOOK_AUTH_SHARED = 1,       /* the shared [webhook] credential */
    WEBHOOK_AUTH_REFUSED = -1,     /* no credential, or a wrong one: 401 */
    WEBHOOK_AUTH_UNAVAILABLE = -2, /* not a configured server's, and the database cannot say: 503 */
};

#define WEBHOOK_AUTH_SERVER_MAX 65

/* Checks an Authorization header ("Basic base64(user:password)"). Every
 * comparison of a secret is constant-time: passwords are compared as their
 * SHA-256. Servers registered only in the database are remembered by this
 * process once verified, so that their events are still accepted (and
 * spooled) while no database node answers. err is set for REFUSED and
 * UNAVAILABLE. */
enum webhook_auth_result webhook_auth_check(struct mrb_app *app, const char *authorization,
                                            char server[WEBHOOK_AUTH_SERVER_MAX], struct mrb_err *err);

#endif
