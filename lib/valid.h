#ifndef MRB_VALID_H
#define MRB_VALID_H

/* Request bodies checked in one call against a field table, one per
 * endpoint: types, lengths, ranges and required fields (400 naming the
 * field). */

#include <stddef.h>

#include <jansson.h>

#include "apierror.h"

enum valid_type {
    VALID_STRING, /* min..max characters (UTF-8 code points) */
    VALID_DIGITS, /* string of min..max ASCII digits */
    VALID_INT,    /* JSON integer in min..max */
    VALID_BOOL,
    VALID_TAGS,   /* array of min..max tags (conf_tags_canon(): 1-32 of a-z 0-9 - _ .) */
    VALID_REGION, /* a region (conf_valid_region()), or "!" and one: required */
};

#define VALID_REQUIRED 1
#define VALID_NONBLANK 2 /* a string: not only blanks (spaces, tabs, newlines, U+00A0, U+3000) */

/* One row of an endpoint's field table. */
struct valid_field {
    const char *name;
    enum valid_type type;
    int flags;
    long long min, max;
};

/* Checks every field of the table against obj in one call: presence, type,
 * range. Unknown fields are ignored (forward compatibility). An explicit
 * null counts as absent. On the first failure returns -1 with a 400 that
 * names the field. */
int valid_check(json_t *obj, const struct valid_field *fields, size_t n, struct mrb_err *err);

/* A string field that must be one of choices (NULL-terminated), checked
 * after valid_check() has checked its type and length: 0 when absent or
 * one of them, else -1 with a 400 that lists them. */
int valid_choice(json_t *obj, const char *name, const char *const *choices, struct mrb_err *err);

/* Convenience getters for fields valid_check() already checked. */
const char *valid_str(json_t *obj, const char *name, const char *dflt);
/* 1 when name is given and not null (valid_check()'s notion of present). */
int valid_present(json_t *obj, const char *name);
long long valid_int(json_t *obj, const char *name, long long dflt);
int valid_bool(json_t *obj, const char *name, int dflt);
/* A VALID_TAGS field in canonical form (sorted, no repeats, comma-joined)
 * into out (CONF_TAGS_LEN bytes); "" when absent. */
void valid_tags(json_t *obj, const char *name, char *out, size_t len);

#endif
