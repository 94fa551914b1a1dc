#ifndef MRB_SERVE_H
#define MRB_SERVE_H

/* FastCGI glue, in lib/libmrb-serve.a with http and linked (with -lfcgi)
 * into the programs of cgi-bin/ only: the accept loop, and the one place a
 * JSON endpoint's answer is sent and counted. Only cgi-bin/ includes this
 * (and http.h); the library below it knows nothing of FastCGI. */

#include <fcgiapp.h>
#include <jansson.h>

#include "app.h"
#include "apierror.h"

/* Answers rq. Sets code to the contract code of a JSON API answer ("000",
 * or the error's code), counted in mrb_requests_total once the answer is
 * sent; leaves it "" for an answer that is not one (metrics text). */
typedef void (*serve_handler)(struct mrb_app *app, FCGX_Request *rq, char code[4]);

/* The FastCGI accept loop (FCGX_Accept_r): serves requests until SIGTERM,
 * then finishes the request in hand and returns 0. */
int serve_run(const char *name, serve_handler handler);

/* An endpoint over one JSON object: bearer is the Authorization token (may
 * be NULL), body the parsed request. Returns 0 with *data (owned by the
 * caller; NULL only when it could not be built) as the reply's data, or -1
 * with err set. */
typedef int (*serve_json_fn)(struct mrb_app *app, const char *bearer, json_t *body, json_t **data,
                             struct mrb_err *err);

/* serve_run() for a POST endpoint taking and answering JSON: reads and
 * checks the request (http_read_json), calls fn, answers ok_status with its
 * data or the error, and counts the outcome. */
int serve_json(const char *name, serve_json_fn fn, int ok_status);

/* Sends one JSON answer and sets code: with ok_status, data (stolen) as
 * success, or 503 when data is NULL (a reply that could not be built);
 * without, the error in err. */
void serve_reply(FCGX_Request *rq, int ok_status, json_t *data, struct mrb_err *err, char code[4]);

#endif
