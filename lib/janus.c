/* The Janus Admin API client (janus.h): one keep-alive curl handle per
 * process, and curl multi for many requests at once (polls, expiry). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "log.h"
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

static void setup_easy(CURL *e, const char *url, const char *body, struct curl_slist *hdr, struct buf *b,
                       long timeout_ms)
{
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, jconf->janus.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* https:// is verified, certificate and name (curl's defaults, said
     * aloud); [janus] tls_ca names the CA when it is not the system's. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (jconf->janus.tls_ca)
        curl_easy_setopt(e, CURLOPT_CAINFO, jconf->janus.tls_ca);
}

const char *janus_plugin_name(enum janus_plugin plugin)
{
    return plugin == JANUS_VIDEOROOM ? "janus.plugin.videoroom" : "janus.plugin.audiobridge";
}

const char *janus_room_type(enum janus_plugin plugin)
{
    return plugin == JANUS_VIDEOROOM ? "video" : "audio";
}

long long janus_publishers(long long people, int screen_share)
{
    return people * (screen_share ? 2 : 1);
}

enum janus_plugin janus_plugin_of(const char *room_type)
{
    return room_type && strcmp(room_type, "video") == 0 ? JANUS_VIDEOROOM : JANUS_AUDIOBRIDGE;
}

char *janus_admin_body(const struct janus_server *srv, enum janus_plugin plugin, json_t *request)
{
    char txn[24];
    json_t *doc;
    char *body;

    if (util_random_token(txn, sizeof(txn), 12) != 0)
        snprintf(txn, sizeof(txn), "mrb");
    doc = json_pack("{s:s, s:s, s:s, s:s, s:O}", "janus", "message_plugin", "transaction", txn, "admin_secret",
                    srv->admin_secret, "plugin", janus_plugin_name(plugin), "request", request);
    body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return body;
}

/* Plugin error codes with an outcome of their own (janus_audiobridge.c,
 * janus_videoroom.c). */
enum { AB_NO_SUCH_ROOM = 485, AB_ROOM_EXISTS = 486, AB_NO_SUCH_USER = 492 };
enum { VR_NO_SUCH_ROOM = 426, VR_ROOM_EXISTS = 427, VR_NO_SUCH_FEED = 428 };

static enum janus_result plugin_error(enum janus_plugin plugin, json_int_t code)
{
    if (plugin == JANUS_VIDEOROOM)
        return code == VR_ROOM_EXISTS                             ? JANUS_EXISTS
               : code == VR_NO_SUCH_ROOM || code == VR_NO_SUCH_FEED ? JANUS_GONE
                                                                    : JANUS_FAILED;
    return code == AB_ROOM_EXISTS                               ? JANUS_EXISTS
           : code == AB_NO_SUCH_ROOM || code == AB_NO_SUCH_USER ? JANUS_GONE
                                                                : JANUS_FAILED;
}

enum janus_result janus_admin_parse(const struct janus_server *srv, enum janus_plugin plugin, const char *reply,
                                    size_t len, long status, json_t **response, struct mrb_err *err)
{
    json_t *doc, *resp;
    const char *kind;
    enum janus_result rc = JANUS_FAILED;

    if (response)
        *response = NULL;
    if (status != 200) {
        log_msg(LOG_LVL_WARN, "janus %s: %s", srv->id, status ? "bad HTTP status" : "unreachable");
        err_set(err, E_UNAVAILABLE, "media server %s unreachable", srv->id);
        return JANUS_FAILED;
    }
    doc = json_loadb(reply ? reply : "", reply ? len : 0, 0, NULL);
    if (doc == NULL) {
        err_set(err, E_UNAVAILABLE, "media server %s sent an unreadable reply", srv->id);
        return JANUS_FAILED;
    }
    kind = json_string_value(json_object_get(doc, "janus"));
    if (kind == NULL || strcmp(kind, "success") != 0) {
        json_t *e = json_object_get(doc, "error");
        log_msg(LOG_LVL_WARN, "janus %s: admin API error %lld: %s", srv->id,
                (long long)json_integer_value(json_object_get(e, "code")),
                json_string_value(json_object_get(e, "reason")) ?: "?");
        err_set(err, E_UNAVAILABLE, "media server %s refused the request", srv->id);
        goto out;
    }
    resp = json_object_get(doc, "response");
    if (!json_is_object(resp)) {
        err_set(err, E_UNAVAILABLE, "media server %s sent no plugin response", srv->id);
        goto out;
    }
    if (json_is_integer(json_object_get(resp, "error_code"))) {
        json_int_t code = json_integer_value(json_object_get(resp, "error_code"));
        err_set(err, E_UNAVAILABLE, "media server %s: %s error %lld", srv->id, janus_room_type(plugin),
                (long long)code);
        rc = plugin_error(plugin, code);
        goto out;
    }
    if (response)
        *response = json_incref(resp);
    rc = JANUS_OK;
out:
    json_decref(doc);
    return rc;
}

enum janus_result janus_request(const struct janus_server *srv, enum janus_plugin plugin, json_t *request,
                                json_t **response, struct mrb_err *err)
{
    struct janus_http r = {.url = srv->admin_url};
    char *body = janus_admin_body(srv, plugin, request);
    enum janus_result rc;

    *response = NULL;
    if (body == NULL || curl == NULL) {
        free(body);
        err_set(err, E_UNAVAILABLE, "cannot build media server request");
        return JANUS_FAILED;
    }
    r.body = body;
    janus_http_many(&r, 1, 1, jconf->janus.timeout_ms);
    rc = janus_admin_parse(srv, plugin, r.reply, r.reply_len, r.status, response, err);
    janus_http_done(&r, 1);
    free(body);
    return rc;
}

static void finish_one(CURL *e, struct janus_http *r, struct buf *b, CURLcode rc)
{
    r->status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    r->reply = b->data;
    r->reply_len = b->len;
    b->data = NULL;
    b->len = 0;
}

/* Index of the first request at or after i that has a URL, or n. */
static size_t with_url(const struct janus_http *reqs, size_t n, size_t i)
{
    while (i < n && reqs[i].url == NULL)
        i++;
    return i;
}

/* The header list of request i: the shared one, or its own (the shared
 * one's lines and its extra headers) kept in own[i] until the end. */
static struct curl_slist *headers_of(const struct janus_http *r, size_t i, struct curl_slist *hdr,
                                     struct curl_slist **own)
{
    if (r->headers == NULL || own == NULL)
        return hdr;
    if (own[i] == NULL) {
        own[i] = curl_slist_append(NULL, "Content-Type: application/json");
        for (const char *const *h = r->headers; *h && own[i]; h++)
            own[i] = curl_slist_append(own[i], *h);
    }
    return own[i] ? own[i] : hdr;
}

void janus_http_many(struct janus_http *reqs, size_t n, int parallel, long timeout_ms)
{
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist **own = calloc(n ? n : 1, sizeof(*own));
    CURLM *m = NULL;
    CURL **easy = NULL;
    struct buf *bufs = NULL;
    size_t *slot_req = NULL, next, todo = 0;
    int running = 0;

    for (size_t i = 0; i < n; i++) {
        reqs[i].status = 0;
        reqs[i].reply = NULL;
        reqs[i].reply_len = 0;
        todo += reqs[i].url != NULL;
    }
    calls += todo;
    next = with_url(reqs, n, 0);
    if (todo == 0)
        goto out;
    if (todo == 1 && curl) { /* the common case: the process's keep-alive handle */
        struct buf b = {NULL, 0};
        setup_easy(curl, reqs[next].url, reqs[next].body, headers_of(&reqs[next], next, hdr, own), &b, timeout_ms);
        finish_one(curl, &reqs[next], &b, curl_easy_perform(curl));
        goto out;
    }
    if (parallel < 1)
        parallel = 1;
    if ((size_t)parallel > todo)
        parallel = (int)todo;
    m = curl_multi_init();
    easy = calloc((size_t)parallel, sizeof(*easy));
    bufs = calloc((size_t)parallel, sizeof(*bufs));
    slot_req = calloc((size_t)parallel, sizeof(*slot_req));
    if (m == NULL || easy == NULL || bufs == NULL || slot_req == NULL)
        goto out;
    for (int s = 0; s < parallel && next < n; s++, next = with_url(reqs, n, next + 1)) {
        easy[s] = curl_easy_init();
        if (easy[s] == NULL)
            break;
        slot_req[s] = next;
        setup_easy(easy[s], reqs[next].url, reqs[next].body, headers_of(&reqs[next], next, hdr, own), &bufs[s],
                   timeout_ms);
        curl_easy_setopt(easy[s], CURLOPT_PRIVATE, (char *)(intptr_t)s);
        curl_multi_add_handle(m, easy[s]);
    }
    do {
        CURLMsg *msg;
        int left;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            char *priv = NULL;
            int s;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            s = (int)(intptr_t)priv;
            finish_one(easy[s], &reqs[slot_req[s]], &bufs[s], msg->data.result);
            curl_multi_remove_handle(m, easy[s]);
            if (next < n) { /* reuse the slot (and its connection) for the next request */
                slot_req[s] = next;
                setup_easy(easy[s], reqs[next].url, reqs[next].body, headers_of(&reqs[next], next, hdr, own),
                           &bufs[s], timeout_ms);
                curl_easy_setopt(easy[s], CURLOPT_PRIVATE, (char *)(intptr_t)s);
                curl_multi_add_handle(m, easy[s]);
                next = with_url(reqs, n, next + 1);
                running++;
            }
        }
        if (running > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    } while (running > 0);
out:
    for (int s = 0; easy && s < parallel; s++) {
        if (easy[s])
            curl_easy_cleanup(easy[s]);
        if (bufs)
            free(bufs[s].data);
    }
    free(easy);
    free(bufs);
    free(slot_req);
    if (m)
        curl_multi_cleanup(m);
    for (size_t i = 0; own && i < n; i++)
        curl_slist_free_all(own[i]);
    free(own);
    curl_slist_free_all(hdr);
}

void janus_http_done(struct janus_http *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(reqs[i].reply);
        reqs[i].reply = NULL;
    }
}

/* The create request for room in its plugin. AudioBridge mixes, so its
 * cost is CPU per participant; VideoRoom forwards, so its cost is egress:
 * each publisher is capped hard at the room's bitrate, and a room takes no
 * more publishers than it has seats for (twice that with screen share). */
static json_t *create_request(const struct janus_server *srv, const struct janus_room *room)
{
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "request", "create", "room", room->id,
                            "description", room->description ? room->description : "", "secret", room->secret,
                            "pin", room->pin, "record", room->record, "permanent", 0);

    if (req == NULL)
        return NULL;
    if (room->plugin == JANUS_VIDEOROOM) {
        json_t *v = json_pack("{s:I, s:I, s:b, s:b, s:b, s:b, s:b, s:s}", "publishers",
                              (json_int_t)room->publishers, "bitrate", (json_int_t)room->bitrate_kbps * 1000,
                              "bitrate_cap", 1, "is_private", 1, "notify_joining", 1, "audiolevel_event", 1,
                              "lock_record", 1, "videocodec", room->video_codec ? room->video_codec : "vp8");
        if (v == NULL || json_object_update(req, v) != 0) {
            json_decref(v);
            json_decref(req);
            return NULL;
        }
        json_decref(v);
        if (srv->record_dir)
            json_object_set_new(req, "rec_dir", json_string(srv->record_dir));
    } else {
        json_object_set_new(req, "audiolevel_event", json_true());
        if (srv->record_dir)
            json_object_set_new(req, "record_dir", json_string(srv->record_dir));
    }
    if (jconf->janus.admin_key)
        json_object_set_new(req, "admin_key", json_string(jconf->janus.admin_key));
    return req;
}

enum janus_result janus_room_create(const struct janus_server *srv, const struct janus_room *room,
                                    struct mrb_err *err)
{
    json_t *req = create_request(srv, room), *resp = NULL;
    enum janus_result rc;

    if (req == NULL) {
        err_set(err, E_UNAVAILABLE, "cannot build create request");
        return JANUS_FAILED;
    }
    rc = janus_request(srv, room->plugin, req, &resp, err);
    json_decref(req);
    json_decref(resp);
    return rc;
}

enum janus_result janus_room_put(const struct janus_server *srv, const struct janus_room *room, struct mrb_err *err)
{
    enum janus_result rc = janus_room_create(srv, room, err);
    json_t *req, *resp = NULL;

    if (rc != JANUS_EXISTS)
        return rc;
    /* A copy from an earlier stay runs with the parameters of then (a key
     * changed since would still admit, and the new one be refused): its
     * key, name and publishers cap become the room's current ones. The
     * secret is the room's for life, so the copy takes it. */
    req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "request", "edit", "room", room->id, "secret", room->secret,
                    "new_pin", room->pin, "new_description", room->description);
    if (req && room->plugin == JANUS_VIDEOROOM) {
        json_object_set_new(req, "new_publishers", json_integer(room->publishers));
        json_object_set_new(req, "new_bitrate", json_integer(room->bitrate_kbps * 1000));
    }
    if (req == NULL) {
        err_set(err, E_UNAVAILABLE, "cannot build edit request");
        return JANUS_FAILED;
    }
    rc = janus_request(srv, room->plugin, req, &resp, err);
    json_decref(req);
    json_decref(resp);
    return rc == JANUS_OK ? JANUS_EXISTS : JANUS_FAILED;
}

enum janus_result janus_room_kick(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                                  const char *secret, const char *participant)
{
    json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "request", "kick", "room", room_id, "secret", secret, "id",
                            participant);
    json_t *resp = NULL;
    struct mrb_err err = {0};
    enum janus_result rc = req ? janus_request(srv, plugin, req, &resp, &err) : JANUS_FAILED;

    if (rc == JANUS_FAILED)
        log_msg(LOG_LVL_WARN, "cannot kick handle %s from room %s on %s: %s", participant, room_id, srv->id,
                req ? err.msg : "out of memory");
    json_decref(req);
    json_decref(resp);
    return rc;
}

enum janus_result janus_room_destroy(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                                     const char *secret, struct mrb_err *err)
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "request", "destroy", "room", room_id, "secret", secret);
    json_t *resp = NULL;
    enum janus_result rc = janus_request(srv, plugin, req, &resp, err);

    json_decref(req);
    json_decref(resp);
    return rc;
}

int janus_room_exists(const struct janus_server *srv, enum janus_plugin plugin, const char *room_id,
                      struct mrb_err *err)
{
    json_t *req = json_pack("{s:s, s:s}", "request", "exists", "room", room_id);
    json_t *resp = NULL;
    int rc = janus_request(srv, plugin, req, &resp, err) == JANUS_OK ? 0 : -1;

    json_decref(req);
    if (rc == 0)
        rc = json_is_true(json_object_get(resp, "exists")) ? 1 : 0;
    json_decref(resp);
    return rc;
}
