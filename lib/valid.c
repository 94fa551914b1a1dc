/* Request bodies checked against field tables (valid.h). */
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "conf.h"
#include "valid.h"

/* 1 when s (len bytes of UTF-8) is only blanks: ASCII whitespace, the
 * no-break space U+00A0 and the ideographic space U+3000 (a name typed on
 * a CJK keyboard). */
static int all_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
            i++;
        else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)
            i += 2;
        else if (c == 0xE3 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x80)
            i += 3;
        else
            return 0;
    }
    return 1;
}

static int check_one(json_t *v, const struct valid_field *f, struct mrb_err *err)
{
    switch (f->type) {
    case VALID_STRING: {
        if (!json_is_string(v))
            goto type;
        size_t chars = util_utf8_len(json_string_value(v), json_string_length(v));
        if ((long long)chars < f->min || (long long)chars > f->max) {
            err_set(err, E_BAD_REQUEST, "%s must be %lld to %lld characters", f->name, f->min, f->max);
            return -1;
        }
        if ((f->flags & VALID_NONBLANK) && all_blank(json_string_value(v), json_string_length(v))) {
            err_set(err, E_BAD_REQUEST, "%s must not be blank", f->name);
            return -1;
        }
        return 0;
    }
    case VALID_DIGITS: {
        if (!json_is_string(v))
            goto type;
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        int ok = (long long)len >= f->min && (long long)len <= f->max;
        for (size_t i = 0; ok && i < len; i++)
            ok = s[i] >= '0' && s[i] <= '9';
        if (!ok) {
            err_set(err, E_BAD_REQUEST, "%s must be %lld to %lld digits", f->name, f->min, f->max);
            return -1;
        }
        return 0;
    }
    case VALID_INT: {
        if (!json_is_integer(v))
            goto type;
        json_int_t n = json_integer_value(v);
        if (n < f->min || n > f->max) {
            err_set(err, E_BAD_REQUEST, "%s must be an integer from %lld to %lld", f->name, f->min, f->max);
            return -1;
        }
        return 0;
    }
    case VALID_BOOL:
        if (!json_is_boolean(v))
            goto type;
        return 0;
    case VALID_TAGS: {
        size_t i;
        json_t *t;
        char list[CONF_TAGS_LEN * 2], canon[CONF_TAGS_LEN];
        size_t at = 0;
        if (!json_is_array(v))
            goto type;
        if ((long long)json_array_size(v) < f->min || (long long)json_array_size(v) > f->max) {
            err_set(err, E_BAD_REQUEST, "%s must list %lld to %lld tags", f->name, f->min, f->max);
            return -1;
        }
        list[0] = '\0';
        json_array_foreach(v, i, t)
        {
            const char *tag = json_is_string(t) ? json_string_value(t) : NULL;
            if (tag == NULL || tag[0] == '\0' || strchr(tag, ',') != NULL || strlen(tag) > CONF_TAG_MAX)
                goto bad_tag;
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? "," : "", tag);
        }
        if (conf_tags_canon(list, canon, sizeof(canon)) != 0)
            goto bad_tag;
        return 0;
    bad_tag:
        err_set(err, E_BAD_REQUEST, "%s must list tags of 1 to %d of a-z 0-9 - _ .", f->name, CONF_TAG_MAX);
        return -1;
    }
    case VALID_REGION: {
        if (!json_is_string(v))
            goto type;
        const char *r = json_string_value(v);
        if (strlen(r) != json_string_length(v) || !conf_valid_region(r + (r[0] == '!'))) {
            err_set(err, E_BAD_REQUEST, "%s must be a region (1 to %d of a-z 0-9 - _ .), or \"!\" and one to "
                    "require it", f->name, CONF_REGION_MAX);
            return -1;
        }
        return 0;
    }
    }
type:
    err_set(err, E_BAD_REQUEST, "%s must be %s", f->name,
            f->type == VALID_INT    ? "an integer"
            : f->type == VALID_BOOL ? "a boolean"
            : f->type == VALID_TAGS ? "an array of strings"
                                    : "a string");
    return -1;
}

int valid_choice(json_t *obj, const char *name, const char *const *choices, struct mrb_err *err)
{
    json_t *v = json_object_get(obj, name);
    char list[200];
    size_t at = 0;

    if (!json_is_string(v))
        return 0; /* absent or null: valid_check() has refused any other type */
    for (const char *const *c = choices; *c; c++)
        if (strlen(*c) == json_string_length(v) && strcmp(json_string_value(v), *c) == 0)
            return 0;
    list[0] = '\0';
    for (const char *const *c = choices; *c && at < sizeof(list); c++) {
        int n = snprintf(list + at, sizeof(list) - at, "%s\"%s\"", at ? ", " : "", *c);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    err_set(err, E_BAD_REQUEST, "%s must be one of %s", name, list);
    return -1;
}

void valid_tags(json_t *obj, const char *name, char *out, size_t len)
{
    json_t *v = json_object_get(obj, name), *t;
    char list[CONF_TAGS_LEN * 2];
    size_t at = 0, i;

    out[0] = '\0';
    if (!json_is_array(v))
        return;
    list[0] = '\0';
    json_array_foreach(v, i, t)
    {
        if (json_is_string(t))
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? "," : "", json_string_value(t));
    }
    if (conf_tags_canon(list, out, len) != 0)
        out[0] = '\0';
}

int valid_check(json_t *obj, const struct valid_field *fields, size_t n, struct mrb_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct valid_field *f = &fields[i];
        json_t *v = json_object_get(obj, f->name);

        if (v == NULL || json_is_null(v)) {
            if (f->flags & VALID_REQUIRED) {
                err_set(err, E_BAD_REQUEST, "%s is required", f->name);
                return -1;
            }
            continue;
        }
        if (check_one(v, f, err) != 0)
            return -1;
    }
    return 0;
}

int valid_present(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);

    return v != NULL && !json_is_null(v);
}

const char *valid_str(json_t *obj, const char *name, const char *dflt)
{
    json_t *v = json_object_get(obj, name);

    return json_is_string(v) ? json_string_value(v) : dflt;
}

long long valid_int(json_t *obj, const char *name, long long dflt)
{
    json_t *v = json_object_get(obj, name);

    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int valid_bool(json_t *obj, const char *name, int dflt)
{
    json_t *v = json_object_get(obj, name);

    return json_is_boolean(v) ? json_is_true(v) : dflt;
}
