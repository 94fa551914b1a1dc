/* Unit tests for lib/valid.c: valid_check() with a field table shaped like
 * create-room's, and the valid_str/valid_int/valid_bool getters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apierror.h"
#include "valid.h"

#define KO "\xea\xb0\x80"          /* U+AC00 가: 1 character, 3 bytes */
#define EMOJI "\xf0\x9f\x98\x80"   /* U+1F600: 1 character, 4 bytes */

/* Same shape as lib/room.c's create-room table (max_participants 16,
 * max_ttl 86400 as in conf/mrb.dev.conf). */
static const struct valid_field room_fields[] = {
    {"roomNm", VALID_STRING, VALID_REQUIRED, 1, 100},
    {"description", VALID_STRING, 0, 0, 200},
    {"roomKey", VALID_DIGITS, 0, 4, 12},
    {"maxParticipants", VALID_INT, 0, 2, 16},
    {"ttlSeconds", VALID_INT, 0, 10, 86400},
    {"record", VALID_BOOL, 0, 0, 0},
};
#define N_ROOM (sizeof(room_fields) / sizeof(room_fields[0]))

/* Parses JSON text (fails the test on a typo in the test itself). */
static json_t *J(const char *text)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);

    if (o == NULL)
        fail_msg("bad test JSON '%s': %s", text, je.text);
    return o;
}

/* valid_check on a JSON text; returns its result, err filled. */
static int check_text(const char *text, struct mrb_err *err)
{
    json_t *o = J(text);
    int rc;

    err_clear(err);
    rc = valid_check(o, room_fields, N_ROOM, err);
    json_decref(o);
    return rc;
}

/* valid_check on {"roomNm": <s>} built with jansson (for long strings). */
static int check_name(const char *s, struct mrb_err *err)
{
    json_t *o = json_pack("{s:s}", "roomNm", s);
    int rc;

    assert_non_null(o);
    err_clear(err);
    rc = valid_check(o, room_fields, N_ROOM, err);
    json_decref(o);
    return rc;
}

static char *repeat(const char *unit, size_t times)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * times + 1);

    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * times] = '\0';
    return s;
}

static void assert_400_naming(const struct mrb_err *err, const char *field)
{
    assert_int_equal(err->http, 400);
    assert_string_equal(err->code, "400");
    if (strstr(err->msg, field) == NULL)
        fail_msg("error message '%s' does not name '%s'", err->msg, field);
}

static void test_valid_full_body(void **state)
{
    struct mrb_err err;

    (void)state;
    assert_int_equal(check_text("{\"roomNm\":\"Weekly sync\",\"description\":\"team\",\"roomKey\":\"1234\","
                                "\"maxParticipants\":2,\"ttlSeconds\":3600,\"record\":true}",
                                &err),
                     0);
    assert_int_equal(err.http, 0); /* untouched on success */
    /* only the required field */
    assert_int_equal(check_text("{\"roomNm\":\"x\"}", &err), 0);
}

static void test_required_missing(void **state)
{
    struct mrb_err err;

    (void)state;
    assert_int_equal(check_text("{}", &err), -1);
    assert_400_naming(&err, "roomNm");
    assert_non_null(strstr(err.msg, "required"));
    assert_int_equal(check_text("{\"description\":\"d\",\"roomKey\":\"1234\"}", &err), -1);
    assert_400_naming(&err, "roomNm");
    /* a differently-cased key is not the field */
    assert_int_equal(check_text("{\"roomnm\":\"x\"}", &err), -1);
    assert_400_naming(&err, "roomNm");
}

static void test_null_is_absent(void **state)
{
    struct mrb_err err;

    (void)state;
    /* explicit null for a required field: missing */
    assert_int_equal(check_text("{\"roomNm\":null}", &err), -1);
    assert_400_naming(&err, "roomNm");
    assert_non_null(strstr(err.msg, "required"));
    /* explicit null for optional fields: as if absent, accepted */
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"description\":null,\"roomKey\":null,"
                                "\"maxParticipants\":null,\"ttlSeconds\":null,\"record\":null}",
                                &err),
                     0);
}

static void test_unknown_fields_ignored(void **state)
{
    struct mrb_err err;

    (void)state;
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"futureField\":[1,2,3],\"other\":{\"a\":null},"
                                "\"maxParticipants_\":\"abc\"}",
                                &err),
                     0);
}

static void test_wrong_type_names_field(void **state)
{
    static const struct {
        const char *body, *field, *what;
    } cases[] = {
        {"{\"roomNm\":42}", "roomNm", "string"},
        {"{\"roomNm\":true}", "roomNm", "string"},
        {"{\"roomNm\":[\"x\"]}", "roomNm", "string"},
        {"{\"roomNm\":{\"x\":1}}", "roomNm", "string"},
        {"{\"roomNm\":\"x\",\"description\":1.5}", "description", "string"},
        {"{\"roomNm\":\"x\",\"roomKey\":1234}", "roomKey", "string"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":\"4\"}", "maxParticipants", "integer"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":true}", "maxParticipants", "integer"},
        {"{\"roomNm\":\"x\",\"ttlSeconds\":[60]}", "ttlSeconds", "integer"},
        {"{\"roomNm\":\"x\",\"record\":1}", "record", "boolean"},
        {"{\"roomNm\":\"x\",\"record\":\"true\"}", "record", "boolean"},
        {"{\"roomNm\":\"x\",\"record\":0}", "record", "boolean"},
    };
    struct mrb_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (check_text(cases[i].body, &err) != -1)
            fail_msg("accepted %s", cases[i].body);
        assert_400_naming(&err, cases[i].field);
        if (strstr(err.msg, cases[i].what) == NULL)
            fail_msg("'%s' -> '%s' does not say '%s'", cases[i].body, err.msg, cases[i].what);
    }
}

static void test_first_failure_reported(void **state)
{
    struct mrb_err err;

    (void)state;
    /* roomNm is checked before record */
    assert_int_equal(check_text("{\"record\":\"yes\"}", &err), -1);
    assert_400_naming(&err, "roomNm");
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"roomKey\":\"12\",\"record\":\"yes\"}", &err), -1);
    assert_400_naming(&err, "roomKey");
}

static void test_string_length_in_characters(void **state)
{
    struct mrb_err err;
    char *s;

    (void)state;
    /* empty name: below min 1 */
    assert_int_equal(check_name("", &err), -1);
    assert_400_naming(&err, "roomNm");

    s = repeat("a", 100);
    assert_int_equal(check_name(s, &err), 0);
    free(s);
    s = repeat("a", 101);
    assert_int_equal(check_name(s, &err), -1);
    assert_400_naming(&err, "roomNm");
    free(s);

    /* 100 Korean characters = 300 bytes: accepted for max 100 */
    s = repeat(KO, 100);
    assert_int_equal(strlen(s), 300);
    assert_int_equal(check_name(s, &err), 0);
    free(s);
    s = repeat(KO, 101);
    assert_int_equal(check_name(s, &err), -1);
    assert_400_naming(&err, "roomNm");
    free(s);

    /* emoji: 4 bytes each */
    s = repeat(EMOJI, 100);
    assert_int_equal(strlen(s), 400);
    assert_int_equal(check_name(s, &err), 0);
    free(s);
    s = repeat(EMOJI, 101);
    assert_int_equal(check_name(s, &err), -1);
    assert_400_naming(&err, "roomNm");
    free(s);

    /* one emoji is one character, not zero: min 1 satisfied */
    assert_int_equal(check_name(EMOJI, &err), 0);
    assert_int_equal(check_name(KO, &err), 0);

    /* description: 0..200 */
    {
        json_t *o;
        s = repeat(KO, 200);
        o = json_pack("{s:s, s:s}", "roomNm", "x", "description", s);
        err_clear(&err);
        assert_int_equal(valid_check(o, room_fields, N_ROOM, &err), 0);
        json_decref(o);
        free(s);
        s = repeat(KO, 201);
        o = json_pack("{s:s, s:s}", "roomNm", "x", "description", s);
        assert_int_equal(valid_check(o, room_fields, N_ROOM, &err), -1);
        assert_400_naming(&err, "description");
        json_decref(o);
        free(s);
        o = json_pack("{s:s, s:s}", "roomNm", "x", "description", "");
        assert_int_equal(valid_check(o, room_fields, N_ROOM, &err), 0);
        json_decref(o);
    }
}

static void test_digits(void **state)
{
    static const char *ok[] = {"1234", "0000", "123456", "123456789012", "0123456789"};
    static const char *bad[] = {"123",          "1234567890123", "12a4",  " 1234", "1234 ", "12 34", "-1234",
                                "+1234",        "12.4",          "",      "１２３４" /* fullwidth */,
                                "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4" /* Arabic-Indic digits */};
    struct mrb_err err;
    char body[256];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        snprintf(body, sizeof(body), "{\"roomNm\":\"x\",\"roomKey\":\"%s\"}", ok[i]);
        if (check_text(body, &err) != 0)
            fail_msg("rejected roomKey '%s': %s", ok[i], err.msg);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"roomNm\":\"x\",\"roomKey\":\"%s\"}", bad[i]);
        if (check_text(body, &err) != -1)
            fail_msg("accepted roomKey '%s'", bad[i]);
        assert_400_naming(&err, "roomKey");
    }
    /* an embedded NUL does not end the check early */
    {
        json_t *o = json_pack("{s:s, s:s%}", "roomNm", "x", "roomKey", "1234\0" "5678", (size_t)9);
        assert_non_null(o);
        assert_int_equal(json_string_length(json_object_get(o, "roomKey")), 9);
        err_clear(&err);
        assert_int_equal(valid_check(o, room_fields, N_ROOM, &err), -1);
        assert_400_naming(&err, "roomKey");
        json_decref(o);
    }
}

static void test_int_range(void **state)
{
    static const struct {
        const char *body;
        int rc;
        const char *field;
    } cases[] = {
        {"{\"roomNm\":\"x\",\"maxParticipants\":2}", 0, NULL},
        {"{\"roomNm\":\"x\",\"maxParticipants\":16}", 0, NULL},
        {"{\"roomNm\":\"x\",\"maxParticipants\":1}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":17}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":0}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":-2}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":9223372036854775807}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":-9223372036854775807}", -1, "maxParticipants"},
        /* a real, even an integral one, is not an integer */
        {"{\"roomNm\":\"x\",\"maxParticipants\":2.0}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":4.5}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"maxParticipants\":1e1}", -1, "maxParticipants"},
        {"{\"roomNm\":\"x\",\"ttlSeconds\":10}", 0, NULL},
        {"{\"roomNm\":\"x\",\"ttlSeconds\":86400}", 0, NULL},
        {"{\"roomNm\":\"x\",\"ttlSeconds\":9}", -1, "ttlSeconds"},
        {"{\"roomNm\":\"x\",\"ttlSeconds\":86401}", -1, "ttlSeconds"},
    };
    struct mrb_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = check_text(cases[i].body, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, expected %d (%s)", cases[i].body, rc, cases[i].rc, err.msg);
        if (cases[i].field)
            assert_400_naming(&err, cases[i].field);
    }
    /* the range message states the bounds */
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"maxParticipants\":17}", &err), -1);
    assert_non_null(strstr(err.msg, "2"));
    assert_non_null(strstr(err.msg, "16"));
}

static void test_bool(void **state)
{
    struct mrb_err err;

    (void)state;
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"record\":true}", &err), 0);
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"record\":false}", &err), 0);
    assert_int_equal(check_text("{\"roomNm\":\"x\",\"record\":\"false\"}", &err), -1);
    assert_400_naming(&err, "record");
}

static void test_not_an_object(void **state)
{
    struct mrb_err err;
    json_t *a = json_array();

    (void)state;
    /* a table with a required field cannot be satisfied by a non-object */
    err_clear(&err);
    assert_int_equal(valid_check(a, room_fields, N_ROOM, &err), -1);
    assert_400_naming(&err, "roomNm");
    json_decref(a);
    /* an empty table accepts anything */
    a = J("{\"x\":1}");
    assert_int_equal(valid_check(a, room_fields, 0, &err), 0);
    json_decref(a);
}

static void test_getters(void **state)
{
    json_t *o = J("{\"s\":\"hello\",\"ko\":\"" KO KO "\",\"i\":42,\"neg\":-7,\"big\":1099511627776,"
                  "\"r\":2.0,\"t\":true,\"f\":false,\"n\":null,\"snum\":\"5\"}");

    (void)state;
    assert_string_equal(valid_str(o, "s", "d"), "hello");
    assert_string_equal(valid_str(o, "ko", "d"), KO KO);
    assert_string_equal(valid_str(o, "missing", "d"), "d");
    assert_null(valid_str(o, "missing", NULL));
    assert_string_equal(valid_str(o, "i", "d"), "d"); /* not a string */
    assert_string_equal(valid_str(o, "n", "d"), "d"); /* null */

    assert_int_equal(valid_int(o, "i", 0), 42);
    assert_int_equal(valid_int(o, "neg", 0), -7);
    assert_true(valid_int(o, "big", 0) == 1099511627776LL);
    assert_int_equal(valid_int(o, "missing", 99), 99);
    assert_int_equal(valid_int(o, "r", 99), 99);    /* real */
    assert_int_equal(valid_int(o, "snum", 99), 99); /* string */
    assert_int_equal(valid_int(o, "n", 99), 99);

    assert_int_equal(valid_bool(o, "t", 0), 1);
    assert_int_equal(valid_bool(o, "f", 1), 0);
    assert_int_equal(valid_bool(o, "missing", 1), 1);
    assert_int_equal(valid_bool(o, "missing", 0), 0);
    assert_int_equal(valid_bool(o, "i", 0), 0); /* 42 is not a boolean */
    assert_int_equal(valid_bool(o, "n", 1), 1);
    json_decref(o);
}

static void test_present(void **state)
{
    json_t *o = json_loads("{\"a\":1,\"n\":null,\"z\":0,\"e\":\"\"}", 0, NULL);
    (void)state;

    assert_non_null(o);
    assert_int_equal(valid_present(o, "a"), 1);
    assert_int_equal(valid_present(o, "z"), 1); /* 0 and "" are given values */
    assert_int_equal(valid_present(o, "e"), 1);
    assert_int_equal(valid_present(o, "n"), 0); /* null counts as absent, as in valid_check() */
    assert_int_equal(valid_present(o, "missing"), 0);
    json_decref(o);
}

/* valid_choice(): absent and null pass, one of the list passes, anything
 * else (a prefix, a longer string, another case, an embedded NUL) is a 400
 * that lists the choices. */
static void test_choice(void **state)
{
    static const char *const types[] = {"audio", "video", NULL};
    static const char *const bad[] = {"{\"t\":\"vid\"}", "{\"t\":\"videos\"}", "{\"t\":\"Video\"}",
                                      "{\"t\":\"\"}", "{\"t\":\"video\\u0000x\"}"};
    struct mrb_err err;
    json_t *o;
    (void)state;

    for (size_t i = 0; i < 4; i++) {
        static const char *const good[] = {"{}", "{\"t\":null}", "{\"t\":\"audio\"}", "{\"t\":\"video\"}"};
        o = J(good[i]);
        memset(&err, 0, sizeof(err));
        assert_int_equal(valid_choice(o, "t", types, &err), 0);
        json_decref(o);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
        assert_non_null(o);
        memset(&err, 0, sizeof(err));
        assert_int_equal(valid_choice(o, "t", types, &err), -1);
        assert_int_equal(err.http, 400);
        assert_string_equal(err.msg, "t must be one of \"audio\", \"video\"");
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_valid_full_body),
        cmocka_unit_test(test_required_missing),
        cmocka_unit_test(test_null_is_absent),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_wrong_type_names_field),
        cmocka_unit_test(test_first_failure_reported),
        cmocka_unit_test(test_string_length_in_characters),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_present),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
