/* Unit tests for lib/valid.c: valid_check() with a field table shaped like
 * create-room's, and the valid_str/valid_int/valid_bool getters. Cases are
 * rows of tables; a failure names its row. */
#include "unit.h"
#include "room.h"

#include "apierror.h"
#include "valid.h"

#define KO "\xea\xb0\x80"          /* U+AC00 가: 1 character, 3 bytes */
#define EMOJI "\xf0\x9f\x98\x80"   /* U+1F600: 1 character, 4 bytes */

/* Same shape as lib/room.c's create-room table (max_participants 16,
 * max_ttl 86400 as in conf/mrb.dev.conf). */
static const struct valid_field room_fields[] = {
    ROOM_FIELD_NAME(VALID_REQUIRED), /* lib/room.h: the one definition */
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

#define assert_400_naming(name, err, field) assert_400_naming_at((name), (err), (field), __FILE__, __LINE__)
static void assert_400_naming_at(const char *name, const struct mrb_err *err, const char *field, const char *file,
                                 int line)
{
    if (err->http != 400 || strcmp(err->code, "400") != 0)
        unit_fail_at(file, line, "%s: got %d %s, expected 400 400", name, err->http, err->code);
    if (strstr(err->msg, field) == NULL)
        unit_fail_at(file, line, "%s: error message '%s' does not name '%s'", name, err->msg, field);
}

/* A request body checked against room_fields: accepted (field NULL: 0, err
 * untouched), or refused with a 400 that names field and says says and also
 * (when not NULL). */
struct body_case {
    const char *name, *body;
    const char *field;
    const char *says, *also;
};

static void check_bodies(const struct body_case *cases, size_t n)
{
    struct mrb_err err;

    for (size_t i = 0; i < n; i++) {
        const struct body_case *b = &cases[i];
        int rc = check_text(b->body, &err);

        if (b->field == NULL) {
            if (rc != 0)
                fail_msg("%s: rc %d, expected 0 (%s)", b->name, rc, err.msg);
            case_int(b->name, err.http, 0); /* untouched on success */
            continue;
        }
        if (rc != -1)
            fail_msg("%s: rc %d, expected -1: accepted %s", b->name, rc, b->body);
        assert_400_naming(b->name, &err, b->field);
        if (b->says != NULL)
            case_contains(b->name, err.msg, b->says);
        if (b->also != NULL)
            case_contains(b->name, err.msg, b->also);
    }
}

static void test_valid_full_body(void **state)
{
    static const struct body_case cases[] = {
        {"every field", "{\"roomNm\":\"Weekly sync\",\"description\":\"team\",\"roomKey\":\"1234\","
                        "\"maxParticipants\":2,\"ttlSeconds\":3600,\"record\":true}", .field = NULL},
        {"only the required field", "{\"roomNm\":\"x\"}", .field = NULL},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_required_missing(void **state)
{
    static const struct body_case cases[] = {
        {"empty object", "{}", .field = "roomNm", .says = "required"},
        {"other fields only", "{\"description\":\"d\",\"roomKey\":\"1234\"}", .field = "roomNm"},
        {"a differently-cased key is not the field", "{\"roomnm\":\"x\"}", .field = "roomNm"},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_null_is_absent(void **state)
{
    static const struct body_case cases[] = {
        {"explicit null for a required field: missing", "{\"roomNm\":null}", .field = "roomNm", .says = "required"},
        {"explicit null for optional fields: as if absent, accepted",
         "{\"roomNm\":\"x\",\"description\":null,\"roomKey\":null,"
         "\"maxParticipants\":null,\"ttlSeconds\":null,\"record\":null}", .field = NULL},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_unknown_fields_ignored(void **state)
{
    static const struct body_case cases[] = {
        {"unknown fields", "{\"roomNm\":\"x\",\"futureField\":[1,2,3],\"other\":{\"a\":null},"
                           "\"maxParticipants_\":\"abc\"}", .field = NULL},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_wrong_type_names_field(void **state)
{
    static const struct body_case cases[] = {
        {"roomNm a number", "{\"roomNm\":42}", .field = "roomNm", .says = "string"},
        {"roomNm a boolean", "{\"roomNm\":true}", .field = "roomNm", .says = "string"},
        {"roomNm an array", "{\"roomNm\":[\"x\"]}", .field = "roomNm", .says = "string"},
        {"roomNm an object", "{\"roomNm\":{\"x\":1}}", .field = "roomNm", .says = "string"},
        {"description a real", "{\"roomNm\":\"x\",\"description\":1.5}", .field = "description", .says = "string"},
        {"roomKey a number", "{\"roomNm\":\"x\",\"roomKey\":1234}", .field = "roomKey", .says = "string"},
        {"maxParticipants a string", "{\"roomNm\":\"x\",\"maxParticipants\":\"4\"}",
         .field = "maxParticipants", .says = "integer"},
        {"maxParticipants a boolean", "{\"roomNm\":\"x\",\"maxParticipants\":true}",
         .field = "maxParticipants", .says = "integer"},
        {"ttlSeconds an array", "{\"roomNm\":\"x\",\"ttlSeconds\":[60]}", .field = "ttlSeconds", .says = "integer"},
        {"record a number", "{\"roomNm\":\"x\",\"record\":1}", .field = "record", .says = "boolean"},
        {"record a string", "{\"roomNm\":\"x\",\"record\":\"true\"}", .field = "record", .says = "boolean"},
        {"record 0", "{\"roomNm\":\"x\",\"record\":0}", .field = "record", .says = "boolean"},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_first_failure_reported(void **state)
{
    static const struct body_case cases[] = {
        {"roomNm is checked before record", "{\"record\":\"yes\"}", .field = "roomNm"},
        {"roomKey is checked before record", "{\"roomNm\":\"x\",\"roomKey\":\"12\",\"record\":\"yes\"}",
         .field = "roomKey"},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_string_length_in_characters(void **state)
{
    /* unit repeated times (bytes long) as field: roomNm 1..100 characters,
     * description 0..200 */
    static const struct {
        const char *name, *field, *unit;
        size_t times, bytes;
        int rc;
    } cases[] = {
        {"empty name: below min 1", "roomNm", "a", 0, 0, -1},
        {"100 letters", "roomNm", "a", 100, 100, 0},
        {"101 letters", "roomNm", "a", 101, 101, -1},
        {"100 Korean characters = 300 bytes: accepted for max 100", "roomNm", KO, 100, 300, 0},
        {"101 Korean characters", "roomNm", KO, 101, 303, -1},
        {"100 emoji: 4 bytes each", "roomNm", EMOJI, 100, 400, 0},
        {"101 emoji", "roomNm", EMOJI, 101, 404, -1},
        /* one character is one character, not zero: min 1 satisfied */
        {"one emoji", "roomNm", EMOJI, 1, 4, 0},
        {"one Korean character", "roomNm", KO, 1, 3, 0},
        {"description of 200 Korean characters", "description", KO, 200, 600, 0},
        {"description of 201 Korean characters", "description", KO, 201, 603, -1},
        {"description empty", "description", "", 1, 0, 0},
    };
    struct mrb_err err;

    (void)state;
    err_clear(&err);
    for (size_t i = 0; i < N_CASES(cases); i++) {
        const char *name = cases[i].name;
        char *s = repeat(cases[i].unit, cases[i].times);
        int rc;

        case_int(name, strlen(s), cases[i].bytes);
        if (strcmp(cases[i].field, "roomNm") == 0) {
            rc = check_name(s, &err);
        } else {
            json_t *o = json_pack("{s:s, s:s}", "roomNm", "x", cases[i].field, s);
            rc = valid_check(o, room_fields, N_ROOM, &err);
            json_decref(o);
        }
        case_int(name, rc, cases[i].rc);
        if (cases[i].rc != 0)
            assert_400_naming(name, &err, cases[i].field);
        free(s);
    }
}

static void test_digits(void **state)
{
    static const struct {
        const char *name, *key;
        int rc;
    } cases[] = {
        {"4 digits", "1234", 0},
        {"4 zeros", "0000", 0},
        {"6 digits", "123456", 0},
        {"12 digits", "123456789012", 0},
        {"a leading zero", "0123456789", 0},
        {"3 digits", "123", -1},
        {"13 digits", "1234567890123", -1},
        {"a letter", "12a4", -1},
        {"a leading space", " 1234", -1},
        {"a trailing space", "1234 ", -1},
        {"a space inside", "12 34", -1},
        {"a minus", "-1234", -1},
        {"a plus", "+1234", -1},
        {"a dot", "12.4", -1},
        {"empty", "", -1},
        {"fullwidth digits", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", -1},
        {"Arabic-Indic digits", "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4", -1},
    };
    struct mrb_err err;
    char body[256];
    json_t *o;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        int rc;

        snprintf(body, sizeof(body), "{\"roomNm\":\"x\",\"roomKey\":\"%s\"}", cases[i].key);
        rc = check_text(body, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: roomKey '%s': rc %d, expected %d (%s)", cases[i].name, cases[i].key, rc, cases[i].rc,
                     err.msg);
        if (cases[i].rc != 0)
            assert_400_naming(cases[i].name, &err, "roomKey");
    }
    /* an embedded NUL does not end the check early */
    o = json_pack("{s:s, s:s%}", "roomNm", "x", "roomKey", "1234\0" "5678", (size_t)9);
    assert_non_null(o);
    assert_int_equal(json_string_length(json_object_get(o, "roomKey")), 9);
    err_clear(&err);
    assert_int_equal(valid_check(o, room_fields, N_ROOM, &err), -1);
    assert_400_naming("an embedded NUL", &err, "roomKey");
    json_decref(o);
}

static void test_int_range(void **state)
{
    static const struct body_case cases[] = {
        {"maxParticipants 2", "{\"roomNm\":\"x\",\"maxParticipants\":2}", .field = NULL},
        {"maxParticipants 16", "{\"roomNm\":\"x\",\"maxParticipants\":16}", .field = NULL},
        {"maxParticipants 1", "{\"roomNm\":\"x\",\"maxParticipants\":1}", .field = "maxParticipants"},
        /* the range message states the bounds */
        {"maxParticipants 17", "{\"roomNm\":\"x\",\"maxParticipants\":17}",
         .field = "maxParticipants", .says = "2", .also = "16"},
        {"maxParticipants 0", "{\"roomNm\":\"x\",\"maxParticipants\":0}", .field = "maxParticipants"},
        {"maxParticipants -2", "{\"roomNm\":\"x\",\"maxParticipants\":-2}", .field = "maxParticipants"},
        {"maxParticipants the largest integer", "{\"roomNm\":\"x\",\"maxParticipants\":9223372036854775807}",
         .field = "maxParticipants"},
        {"maxParticipants the smallest but one", "{\"roomNm\":\"x\",\"maxParticipants\":-9223372036854775807}",
         .field = "maxParticipants"},
        /* a real, even an integral one, is not an integer */
        {"maxParticipants 2.0", "{\"roomNm\":\"x\",\"maxParticipants\":2.0}", .field = "maxParticipants"},
        {"maxParticipants 4.5", "{\"roomNm\":\"x\",\"maxParticipants\":4.5}", .field = "maxParticipants"},
        {"maxParticipants 1e1", "{\"roomNm\":\"x\",\"maxParticipants\":1e1}", .field = "maxParticipants"},
        {"ttlSeconds 10", "{\"roomNm\":\"x\",\"ttlSeconds\":10}", .field = NULL},
        {"ttlSeconds 86400", "{\"roomNm\":\"x\",\"ttlSeconds\":86400}", .field = NULL},
        {"ttlSeconds 9", "{\"roomNm\":\"x\",\"ttlSeconds\":9}", .field = "ttlSeconds"},
        {"ttlSeconds 86401", "{\"roomNm\":\"x\",\"ttlSeconds\":86401}", .field = "ttlSeconds"},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_bool(void **state)
{
    static const struct body_case cases[] = {
        {"record true", "{\"roomNm\":\"x\",\"record\":true}", .field = NULL},
        {"record false", "{\"roomNm\":\"x\",\"record\":false}", .field = NULL},
        {"record \"false\"", "{\"roomNm\":\"x\",\"record\":\"false\"}", .field = "record"},
    };

    (void)state;
    check_bodies(cases, N_CASES(cases));
}

static void test_not_an_object(void **state)
{
    struct mrb_err err;
    json_t *a = json_array();

    (void)state;
    /* a table with a required field cannot be satisfied by a non-object */
    err_clear(&err);
    assert_int_equal(valid_check(a, room_fields, N_ROOM, &err), -1);
    assert_400_naming("an array", &err, "roomNm");
    json_decref(a);
    /* an empty table accepts anything */
    a = J("{\"x\":1}");
    assert_int_equal(valid_check(a, room_fields, 0, &err), 0);
    json_decref(a);
}

static void test_getters(void **state)
{
    static const struct {
        const char *name, *key, *dflt, *want;
    } strs[] = {
        {"a string", "s", "d", "hello"},
        {"Korean", "ko", "d", KO KO},
        {"missing: the default", "missing", "d", "d"},
        {"missing: a NULL default", "missing", NULL, NULL},
        {"not a string", "i", "d", "d"},
        {"null", "n", "d", "d"},
    };
    static const struct {
        const char *name, *key;
        long long dflt, want;
    } ints[] = {
        {"an integer", "i", 0, 42},
        {"a negative", "neg", 0, -7},
        {"over 32 bits", "big", 0, 1099511627776LL},
        {"missing", "missing", 99, 99},
        {"a real", "r", 99, 99},
        {"a string", "snum", 99, 99},
        {"null", "n", 99, 99},
    };
    static const struct {
        const char *name, *key;
        int dflt, want;
    } bools[] = {
        {"true", "t", 0, 1},
        {"false", "f", 1, 0},
        {"missing, default 1", "missing", 1, 1},
        {"missing, default 0", "missing", 0, 0},
        {"42 is not a boolean", "i", 0, 0},
        {"null", "n", 1, 1},
    };
    json_t *o = J("{\"s\":\"hello\",\"ko\":\"" KO KO "\",\"i\":42,\"neg\":-7,\"big\":1099511627776,"
                  "\"r\":2.0,\"t\":true,\"f\":false,\"n\":null,\"snum\":\"5\"}");

    (void)state;
    for (size_t i = 0; i < N_CASES(strs); i++)
        case_str(strs[i].name, valid_str(o, strs[i].key, strs[i].dflt), strs[i].want);
    for (size_t i = 0; i < N_CASES(ints); i++)
        case_int(ints[i].name, valid_int(o, ints[i].key, ints[i].dflt), ints[i].want);
    for (size_t i = 0; i < N_CASES(bools); i++)
        case_int(bools[i].name, valid_bool(o, bools[i].key, bools[i].dflt), bools[i].want);
    json_decref(o);
}

static void test_present(void **state)
{
    static const struct {
        const char *name, *key;
        int want;
    } cases[] = {
        {"a number", "a", 1},
        {"0 is a given value", "z", 1},
        {"\"\" is a given value", "e", 1},
        {"null counts as absent, as in valid_check()", "n", 0},
        {"missing", "missing", 0},
    };
    json_t *o = json_loads("{\"a\":1,\"n\":null,\"z\":0,\"e\":\"\"}", 0, NULL);

    (void)state;
    assert_non_null(o);
    for (size_t i = 0; i < N_CASES(cases); i++)
        case_int(cases[i].name, valid_present(o, cases[i].key), cases[i].want);
    json_decref(o);
}

/* valid_choice(): absent and null pass, one of the list passes, anything
 * else (a prefix, a longer string, another case, an embedded NUL) is a 400
 * that lists the choices. */
static void test_choice(void **state)
{
    static const char *const types[] = {"audio", "video", NULL};
    static const struct {
        const char *name, *json;
        int rc;
    } cases[] = {
        {"absent", "{}", 0},
        {"null", "{\"t\":null}", 0},
        {"audio", "{\"t\":\"audio\"}", 0},
        {"video", "{\"t\":\"video\"}", 0},
        {"a prefix", "{\"t\":\"vid\"}", -1},
        {"a longer string", "{\"t\":\"videos\"}", -1},
        {"another case", "{\"t\":\"Video\"}", -1},
        {"empty", "{\"t\":\"\"}", -1},
        {"an embedded NUL", "{\"t\":\"video\\u0000x\"}", -1},
    };
    struct mrb_err err;
    json_t *o;
    (void)state;

    for (size_t i = 0; i < N_CASES(cases); i++) {
        o = json_loads(cases[i].json, JSON_ALLOW_NUL, NULL);
        case_true(cases[i].name, o != NULL);
        memset(&err, 0, sizeof(err));
        case_int(cases[i].name, valid_choice(o, "t", types, &err), cases[i].rc);
        if (cases[i].rc != 0) {
            case_int(cases[i].name, err.http, 400);
            case_str(cases[i].name, err.msg, "t must be one of \"audio\", \"video\"");
        }
        json_decref(o);
    }
}

/* A name of blanks only is no name: refused, naming the field; blanks
 * around or inside a real name are kept as given. */
static void test_blank_names(void **state)
{
    static const struct {
        const char *name, *value;
        int rc;
    } cases[] = {
        {"spaces only", "   ", -1},
        {"a tab and a newline", "\t\n", -1},
        {"no-break spaces", "\xc2\xa0\xc2\xa0", -1},
        {"an ideographic space", "\xe3\x80\x80", -1},
        {"a mix of every blank", " \xc2\xa0\t\xe3\x80\x80\r\n", -1},
        {"a name with blanks around it", "  Career chat  ", 0},
        {"one letter among blanks", " \xe3\x80\x80" "a ", 0},
        {"Korean between ideographic spaces", "\xe3\x80\x80" KO "\xe3\x80\x80", 0},
        {"a lone U+00C2 is not a blank", "\xc3\x82", 0},
    };
    struct mrb_err err;

    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        int rc = check_name(cases[i].value, &err);
        case_int(cases[i].name, rc, cases[i].rc);
        if (cases[i].rc < 0) {
            case_int(cases[i].name, err.http, 400);
            case_str(cases[i].name, err.msg, "roomNm must not be blank");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_blank_names),
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
