#ifndef MRB_HTTP_H
#define MRB_HTTP_H

/* HTTP over FastCGI, for the programs in cgi-bin/ only (with serve, in
 * lib/libmrb-serve.a): a request read and checked (method, content type,
 * size, JSON object, gzip), the bearer token, and the JSON and text answers. */

#include <stddef.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "apierror.h"

#define HTTP_MAX_BODY (64 * 1024)

/* Reads and checks a JSON request in one call: method (405), content type
 * (415), size (413, refused from Content-Length before reading), JSON that is
 * an object (400). On success *out is a new reference the caller owns. */
int http_read_json(FCGX_Request *rq, const char *method, json_t **out, struct mrb_err *err);

/* Raw body read with the same size gate: *body is malloc'd, NUL-terminated
 * and owned by the caller. Used where the body is not one JSON object. */
int http_read_body(FCGX_Request *rq, size_t max, char **body, size_t *len, struct mrb_err *err);

/* When the request says Content-Encoding: gzip, replaces *body (malloc'd,
 * owned by the caller) with its inflated form, at most max bytes (413
 * beyond, 400 when corrupt). Returns 0 or -1. */
int http_gunzip_if_needed(FCGX_Request *rq, char **body, size_t *len, size_t max, struct mrb_err *err);

/* For GET endpoints: 405 (Allow: GET, HEAD) unless the method is GET or
 * HEAD. Returns 0 or -1. */
int http_check_get(FCGX_Request *rq, struct mrb_err *err);

/* Writes a non-JSON reply (the body is left out for HEAD). text is borrowed. */
void http_reply_text(FCGX_Request *rq, int status, const char *content_type, const char *text, size_t len);

/* Header value from the FastCGI environment, or NULL. Not owned. */
const char *http_param(FCGX_Request *rq, const char *name);

/* The token of "Authorization: Bearer <token>", or NULL. Not owned. */
const char *http_bearer(FCGX_Request *rq);

/* {"code":"000","data":data} with the given status. Steals data. */
void http_reply_ok(FCGX_Request *rq, int status, json_t *data);
/* {"code":..,"message":..} with err's status (500 when unset). */
void http_reply_err(FCGX_Request *rq, const struct mrb_err *err);

/* The WWW-Authenticate value every 401 of this process carries (default
 * Bearer realm="mrb"); the string must live as long as the process. */
void http_set_challenge(const char *www_authenticate);

/* The status line text of a code ("Not Found"). */
const char *http_status_text(int status);

#endif
