/* HTTP over FastCGI, for cgi-bin/ (http.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "http.h"

const char *http_param(FCGX_Request *rq, const char *name)
{
    return FCGX_GetParam(name, rq->envp);
}

const char *http_bearer(FCGX_Request *rq)
{
    const char *h = http_param(rq, "HTTP_AUTHORIZATION");

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

const char *http_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

static int is_json_type(const char *ct)
{
    size_t n = strlen("application/json");

    if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

int http_read_body(FCGX_Request *rq, size_t max, char **body, size_t *len, struct mrb_err *err)
{
    const char *cl = http_param(rq, "CONTENT_LENGTH");
    size_t cap, n = 0;
    char *buf = NULL;

    *body = NULL;
    *len = 0;
    if (cl && *cl) {
        char *end;
        unsigned long long v = strtoull(cl, &end, 10);
        if (*end != '\0' || cl[0] == '-') {
            err_set(err, E_BAD_REQUEST, "invalid Content-Length");
            return -1;
        }
        if (v > max) {
            err_set(err, E_TOO_LARGE, "request body over %zu bytes", max);
            return -1;
        }
        cap = (size_t)v;
    } else {
        cap = max; /* no length given: read up to the limit, then refuse */
    }
    buf = malloc(cap + 2);
    if (buf == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return -1;
    }
    while (n < cap + 1) {
        int got = FCGX_GetStr(buf + n, (int)(cap + 1 - n), rq->in);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    if (n > max) {
        free(buf);
        err_set(err, E_TOO_LARGE, "request body over %zu bytes", max);
        return -1;
    }
    buf[n] = '\0';
    *body = buf;
    *len = n;
    return 0;
}

int http_read_json(FCGX_Request *rq, const char *method, json_t **out, struct mrb_err *err)
{
    const char *m = http_param(rq, "REQUEST_METHOD");
    char *body = NULL;
    size_t len;
    json_error_t jerr;
    json_t *j;

    *out = NULL;
    if (m == NULL || strcmp(m, method) != 0) {
        err_set(err, E_METHOD, "method not allowed: use %s", method);
        return -1;
    }
    if (!is_json_type(http_param(rq, "CONTENT_TYPE"))) {
        err_set_code(err, E_MEDIA_TYPE);
        return -1;
    }
    if (http_read_body(rq, HTTP_MAX_BODY, &body, &len, err) != 0)
        return -1;
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    free(body);
    if (j == NULL) {
        err_set(err, E_BAD_REQUEST, "body is not valid JSON: %s (line %d)", jerr.text, jerr.line);
        return -1;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        err_set(err, E_BAD_REQUEST, "body must be a JSON object");
        return -1;
    }
    *out = j;
    return 0;
}

/* The Allow header of a 405: every endpoint takes either POST only or GET
 * (and HEAD) only, and a process serves one endpoint; a GET one calls
 * http_check_get(). The methods the endpoint takes, not a guess from the
 * method refused (a PUT to /mrb/health was told POST). */
static int get_endpoint;

static const char *allow_header(int status)
{
    if (status != 405)
        return "";
    return get_endpoint ? "Allow: GET, HEAD\r\n" : "Allow: POST\r\n";
}

int http_check_get(FCGX_Request *rq, struct mrb_err *err)
{
    const char *m = http_param(rq, "REQUEST_METHOD");

    get_endpoint = 1;
    if (m == NULL || (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)) {
        err_set(err, E_METHOD, "method not allowed: use GET");
        return -1;
    }
    return 0;
}

void http_reply_text(FCGX_Request *rq, int status, const char *content_type, const char *text, size_t len)
{
    char head[200];
    const char *m = http_param(rq, "REQUEST_METHOD");
    int n = snprintf(head, sizeof(head), "Status: %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n\r\n",
                     status, http_status_text(status), content_type);

    FCGX_PutStr(head, n, rq->out);
    if (!(m && strcmp(m, "HEAD") == 0))
        FCGX_PutStr(text, (int)len, rq->out);
}

/* The scheme a 401 asks for (RFC 9110: a 401 names it): the host API's
 * bearer token unless the program says otherwise (the webhook: Basic). */
static const char *challenge = "Bearer realm=\"mrb\"";

void http_set_challenge(const char *www_authenticate)
{
    challenge = www_authenticate;
}

static void reply(FCGX_Request *rq, int status, json_t *doc, long retry_after)
{
    char head[320], retry[48] = "", auth[96] = "";
    const char *m = http_param(rq, "REQUEST_METHOD");
    char *text = json_dumps(doc, JSON_COMPACT);
    int n;

    if (retry_after > 0)
        snprintf(retry, sizeof(retry), "Retry-After: %ld\r\n", retry_after);
    if (status == 401)
        snprintf(auth, sizeof(auth), "WWW-Authenticate: %s\r\n", challenge);
    n = snprintf(head, sizeof(head),
                 "Status: %d %s\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n%s%s%s\r\n",
                 status, http_status_text(status), allow_header(status), retry, auth);
    FCGX_PutStr(head, n, rq->out);
    if (m && strcmp(m, "HEAD") == 0) { /* the headers only, as HTTP says */
        free(text);
        return;
    }
    if (text) {
        FCGX_PutStr(text, (int)strlen(text), rq->out);
        free(text);
    } else {
        static const char fallback[] = "{\"code\":\"500\",\"message\":\"cannot encode reply\"}";
        FCGX_PutStr(fallback, (int)sizeof(fallback) - 1, rq->out);
    }
    FCGX_PutStr("\n", 1, rq->out);
}

void http_reply_ok(FCGX_Request *rq, int status, json_t *data)
{
    json_t *doc = json_pack("{s:s, s:o}", "code", "000", "data", data ? data : json_object());

    reply(rq, status, doc, 0);
    json_decref(doc);
}

void http_reply_err(FCGX_Request *rq, const struct mrb_err *err)
{
    const struct apierror_info *internal = apierror_info(E_INTERNAL);
    int status = err && err->http ? err->http : internal->http;
    const char *code = err && err->code[0] ? err->code : internal->code;
    const char *msg = err && err->msg[0] ? err->msg : internal->message;
    json_t *doc = json_pack("{s:s, s:s}", "code", code, "message", msg);

    reply(rq, status, doc, err ? err->retry_after : 0);
    json_decref(doc);
}

int http_gunzip_if_needed(FCGX_Request *rq, char **body, size_t *len, size_t max, struct mrb_err *err)
{
    const char *enc = http_param(rq, "HTTP_CONTENT_ENCODING");
    z_stream z;
    char *out;
    int rc;

    if (enc == NULL || *enc == '\0' || strcasecmp(enc, "identity") == 0)
        return 0;
    if (strcasecmp(enc, "gzip") != 0) {
        err_set(err, E_MEDIA_TYPE, "Content-Encoding must be gzip or absent");
        return -1;
    }
    out = malloc(max + 1);
    if (out == NULL) {
        err_set(err, E_UNAVAILABLE, "out of memory");
        return -1;
    }
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(out);
        err_set(err, E_UNAVAILABLE, "cannot inflate");
        return -1;
    }
    z.next_in = (unsigned char *)*body;
    z.avail_in = (unsigned int)*len;
    z.next_out = (unsigned char *)out;
    z.avail_out = (unsigned int)max + 1; /* one spare byte tells "too big" from "exactly max" */
    rc = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        if (z.avail_out == 0)
            err_set(err, E_TOO_LARGE, "inflated body over %zu bytes", max);
        else
            err_set(err, E_BAD_REQUEST, "body is not valid gzip");
        return -1;
    }
    free(*body);
    *body = out;
    *len = z.total_out;
    out[*len] = '\0';
    return 0;
}
