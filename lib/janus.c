#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "janus.h"
#include "util.h"

#define JANUS_MAX_REPLY (256 * 1024)

static CURL *curl;
static const struct mrb_conf *jconf;
static unsigned long calls;

struct buf {
    char *data;
    size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct buf *b = user;
    size_t n = size * nmemb;
    char *grown;

    if (b->len + n > JANUS_MAX_REPLY)
        return 0;
    grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int janus_init(const struct mrb_conf *conf)
{
    jconf = conf;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return -1;
    curl = curl_easy_init();
    return curl ? 0 : -1;
}

void janus_cleanup(void)
{
    if (curl)
        curl_easy_cleanup(curl);
    curl = NULL;
    curl_global_cleanup();
}

unsigned long janus_call_count(void)
{
    return calls;
}

/* POSTs doc to url; returns the parsed reply (new reference) or NULL. */
static json_t *post_json(const char *url, json_t *doc, struct mrb_err *err, const char *srv_id)
{
    struct buf b = {NULL, 0};
    struct curl_slist *hdr = NULL;
    char *body = json_dumps(doc, JSON_COMPACT);
    json_t *reply = NULL;
    long status = 0;
    CURLcode rc;

    if (body == NULL || curl == NULL) {
        err_set(err, 503, "503", "cannot build media server request");
        goto out;
    }
    calls++;
    curl_easy_reset(curl);
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, jconf->janus.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, jconf->janus.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "mrb: janus %s: %s (HTTP %ld)\n", srv_id,
                rc != CURLE_OK ? curl_easy_strerror(rc) : "bad status", status);
        err_set(err, 503, "503", "media server %s unreachable", srv_id);
        goto out;
    }
    reply = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
    if (reply == NULL)
        err_set(err, 503, "503", "media server %s sent an unreadable reply", srv_id);
out:
    curl_slist_free_all(hdr);
    free(body);
    free(b.data);
    return reply;
}

int janus_audiobridge(const struct janus_server *srv, json_t *request, json_t **response,
                      struct mrb_err *err)
{
    char txn[24];
    json_t *doc = NULL, *reply = NULL, *resp;
    const char *kind;
    int rc = JANUS_ERR_PROTOCOL;

    *response = NULL;
    if (util_random_token(txn, sizeof(txn), 12) != 0)
        snprintf(txn, sizeof(txn), "mrb");
    doc = json_pack("{s:s, s:s, s:s, s:s, s:O}", "janus", "message_plugin", "transaction", txn,
                    "admin_secret", srv->admin_secret, "plugin", "janus.plugin.audiobridge",
                    "request", request);
    if (doc == NULL) {
        err_set(err, 503, "503", "cannot build media server request");
        return JANUS_ERR_PROTOCOL;
    }
    reply = post_json(srv->admin_url, doc, err, srv->id);
    if (reply == NULL) {
        rc = JANUS_ERR_TRANSPORT;
        goto out;
    }
    kind = json_string_value(json_object_get(reply, "janus"));
    if (kind == NULL || strcmp(kind, "success") != 0) {
        json_t *e = json_object_get(reply, "error");
        fprintf(stderr, "mrb: janus %s: admin API error %lld: %s\n", srv->id,
                (long long)json_integer_value(json_object_get(e, "code")),
                json_string_value(json_object_get(e, "reason")) ?: "?");
        err_set(err, 503, "503", "media server %s refused the request", srv->id);
        goto out;
    }
    resp = json_object_get(reply, "response");
    if (!json_is_object(resp)) {
        err_set(err, 503, "503", "media server %s sent no plugin response", srv->id);
        goto out;
    }
    if (json_is_integer(json_object_get(resp, "error_code"))) {
        rc = (int)json_integer_value(json_object_get(resp, "error_code"));
        err_set(err, 503, "503", "media server %s: audiobridge error %d", srv->id, rc);
        goto out;
    }
    *response = json_incref(resp);
    rc = 0;
out:
    json_decref(doc);
    json_decref(reply);
    return rc;
}

int janus_room_create(const struct janus_server *srv, const struct janus_room *room, struct mrb_err *err)
{
    json_t *req, *resp = NULL;
    int rc;

    req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "request", "create", "room", room->id,
                    "description", room->description ? room->description : "", "secret", room->secret,
                    "pin", room->pin, "record", room->record, "audiolevel_event", 1, "permanent", 0);
    if (req == NULL) {
        err_set(err, 503, "503", "cannot build create request");
        return JANUS_ERR_PROTOCOL;
    }
    if (jconf->janus.admin_key)
        json_object_set_new(req, "admin_key", json_string(jconf->janus.admin_key));
    rc = janus_audiobridge(srv, req, &resp, err);
    json_decref(req);
    json_decref(resp);
    return rc;
}

int janus_room_destroy(const struct janus_server *srv, const char *room_id, const char *secret,
                       struct mrb_err *err)
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "request", "destroy", "room", room_id, "secret", secret);
    json_t *resp = NULL;
    int rc = janus_audiobridge(srv, req, &resp, err);

    json_decref(req);
    json_decref(resp);
    return rc;
}

int janus_room_exists(const struct janus_server *srv, const char *room_id, struct mrb_err *err)
{
    json_t *req = json_pack("{s:s, s:s}", "request", "exists", "room", room_id);
    json_t *resp = NULL;
    int rc = janus_audiobridge(srv, req, &resp, err);

    json_decref(req);
    if (rc == 0)
        rc = json_is_true(json_object_get(resp, "exists")) ? 1 : 0;
    else if (rc > 0)
        rc = JANUS_ERR_PROTOCOL;
    json_decref(resp);
    return rc;
}
