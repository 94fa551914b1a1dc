/*
 * Fault injection for db_transaction() and db_exec_once(), against the
 * dev stack's real MariaDB (MRB_CONFIG). Deterministic: each fault is made
 * by a second session at a known point of the transaction, not by timing.
 *
 *  1. A deadlock that the body ignores (a best-effort statement, as
 *     counters_add in the webhook's batch): InnoDB rolled the transaction
 *     back, so it must run again whole, never be "committed" empty.
 *  2. A connection killed between two statements: the rest must not run
 *     as autocommit on a new connection; the whole transaction runs again.
 *  3. An autocommit relative update whose answer is lost (io_timeout_s):
 *     db_exec_once() does not run it a second time.
 *  4. A parameter count that differs from the statement's placeholders
 *     (only a hand count can: DB_PARAMS() counts the array) is refused
 *     before anything is bound or run.
 *
 * Prints "ok"/"FAIL" lines and "txn_faults: N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#include "conf.h"
#include "db.h"
#include "util.h"

static int passed, failed;

static void check(const char *name, int ok, const char *detail)
{
    if (ok) {
        passed++;
        printf("  ok   %s\n", name);
    } else {
        failed++;
        printf("  FAIL %s\n       %s\n", name, detail);
    }
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* The second session: plain Connector/C, as an operator's client would be. */
static MYSQL *side_open(const struct mrb_conf *c)
{
    const struct conf_db_node *n = &c->db.nodes[0];
    MYSQL *m = mysql_init(NULL);

    if (m == NULL || mysql_real_connect(m, n->host[0] ? n->host : NULL, c->db.user, c->db.password,
                                        c->db.database, (unsigned int)n->port,
                                        c->db.n_nodes == 1 ? c->db.socket : NULL, 0) == NULL) {
        fprintf(stderr, "txn_faults: cannot connect: %s\n", m ? mysql_error(m) : "out of memory");
        exit(2);
    }
    return m;
}

static void side(MYSQL *m, const char *sql)
{
    MYSQL_RES *r;

    if (mysql_query(m, sql) != 0) {
        fprintf(stderr, "txn_faults: %s: %s\n", sql, mysql_error(m));
        exit(2);
    }
    r = mysql_store_result(m);
    mysql_free_result(r);
}

static long long side_int(MYSQL *m, const char *sql)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    long long v = -1;

    side(m, "DO 0"); /* clears any pending result */
    if (mysql_query(m, sql) != 0 || (r = mysql_store_result(m)) == NULL)
        return -1;
    row = mysql_fetch_row(r);
    if (row && row[0])
        v = atoll(row[0]);
    mysql_free_result(r);
    return v;
}

/* ---- 1. a deadlock the body ignores ---- */

struct deadlock_ctx {
    MYSQL *other;
    int attempts;
};

static int deadlock_body(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char row1[] = "UPDATE mrb_test_txn SET n = n + 1 WHERE id = 1";
    static const char row2[] = "UPDATE mrb_test_txn SET n = n + 1 WHERE id = 2";
    struct deadlock_ctx *k = ctx;
    struct mrb_err ignored = {0};
    int rc;

    k->attempts++;
    rc = db_exec(db, row1, DB_NO_PARAMS, NULL, err);
    if (rc != 0 || k->attempts > 1)
        return rc != 0 ? rc : db_exec(db, row2, DB_NO_PARAMS, NULL, err);
    /* The other session, heavier (50 rows), holds row 2 and now waits for
     * row 1, which we hold: our next statement closes the cycle, and InnoDB
     * rolls back the lighter transaction, ours. */
    mysql_send_query(k->other, "UPDATE mrb_test_txn SET n = n WHERE id = 1",
                     (unsigned long)strlen("UPDATE mrb_test_txn SET n = n WHERE id = 1"));
    pause_ms(300);
    (void)db_exec(db, row2, DB_NO_PARAMS, NULL, &ignored); /* best effort: its failure is ignored */
    /* our rollback let the other session's update through; it gives up its locks */
    mysql_read_query_result(k->other);
    side(k->other, "ROLLBACK");
    return 0;
}

static void test_ignored_deadlock(struct db *db, MYSQL *admin, MYSQL *other)
{
    struct deadlock_ctx k = {other, 0};
    struct mrb_err err = {0};
    char detail[512];
    int rc;

    side(admin, "DELETE FROM mrb_test_txn");
    side(admin, "INSERT INTO mrb_test_txn (id, n) VALUES (1, 0), (2, 0)");
    side(other, "START TRANSACTION");
    side(other, "INSERT INTO mrb_test_txn (id, n) SELECT seq, 0 FROM seq_100_to_149"); /* 50 rows: the heavier */
    side(other, "UPDATE mrb_test_txn SET n = n WHERE id = 2");
    rc = db_transaction(db, deadlock_body, &k, 0, &err);
    long long n1 = side_int(admin, "SELECT n FROM mrb_test_txn WHERE id = 1");
    long long n2 = side_int(admin, "SELECT n FROM mrb_test_txn WHERE id = 2");
    snprintf(detail, sizeof(detail), "rc %d, attempts %d, row 1 = %lld, row 2 = %lld (want 0, 2, 1, 1)", rc,
             k.attempts, n1, n2);
    check("a deadlock the body ignored: the transaction ran again, whole", rc == 0 && k.attempts == 2 && n1 == 1 && n2 == 1,
          detail);
    printf("       (%s)\n", detail);
}

/* ---- 2. the connection killed between two statements ---- */

struct kill_ctx {
    MYSQL *killer;
    int attempts;
};

static int kill_body(struct db *db, void *ctx, struct mrb_err *err)
{
    static const char first[] = "INSERT INTO mrb_test_txn (id, n) VALUES (10, 1)";
    static const char second[] = "INSERT INTO mrb_test_txn (id, n) VALUES (11, 1)";
    static const char whoami[] = "SELECT CONNECTION_ID()";
    struct kill_ctx *k = ctx;
    struct db_col id = {.type = DB_INT};
    int rc;

    k->attempts++;
    if ((rc = db_exec(db, first, DB_NO_PARAMS, NULL, err)) != 0)
        return rc;
    if (k->attempts == 1) {
        if (db_query(db, whoami, DB_NO_PARAMS, &id, 1, NULL, NULL, err) != 1)
            return -1;
        if (mysql_kill(k->killer, (unsigned long)id.i) != 0) { /* KILL CONNECTION, from the other session */
            fprintf(stderr, "txn_faults: kill: %s\n", mysql_error(k->killer));
            exit(2);
        }
        pause_ms(100);
    }
    return db_exec(db, second, DB_NO_PARAMS, NULL, err);
}

static void test_killed_connection(struct db *db, MYSQL *admin)
{
    struct kill_ctx k = {admin, 0};
    struct mrb_err err = {0};
    char detail[512];
    int rc;

    side(admin, "DELETE FROM mrb_test_txn");
    rc = db_transaction(db, kill_body, &k, 0, &err);
    long long r10 = side_int(admin, "SELECT COUNT(*) FROM mrb_test_txn WHERE id = 10");
    long long r11 = side_int(admin, "SELECT COUNT(*) FROM mrb_test_txn WHERE id = 11");
    snprintf(detail, sizeof(detail), "rc %d (%s), attempts %d, first row %lld, second row %lld (want 0, 2, 1, 1)",
             rc, err.msg, k.attempts, r10, r11);
    check("a connection killed mid-transaction: nothing ran as autocommit, the whole ran again",
          rc == 0 && k.attempts == 2 && r10 == 1 && r11 == 1, detail);
    printf("       (%s)\n", detail);
}

/* ---- 3. a lost answer to a relative update ---- */

static void test_lost_answer(struct mrb_conf *c, MYSQL *admin)
{
    static const char bump[] = "UPDATE mrb_test_txn SET n = n + 1 WHERE id = 3 AND SLEEP(2) = 0";
    struct db *db;
    struct mrb_err err = {0};
    char detail[512];
    int rc;

    side(admin, "DELETE FROM mrb_test_txn");
    side(admin, "INSERT INTO mrb_test_txn (id, n) VALUES (3, 0)");
    c->db.io_timeout_s = 1; /* the answer (after 2 s) comes too late: lost */
    db = db_open(c);
    rc = db_exec_once(db, bump, DB_NO_PARAMS, NULL, &err);
    db_close(db);
    pause_ms(2500); /* the server finishes the statement it was sent */
    long long n = side_int(admin, "SELECT n FROM mrb_test_txn WHERE id = 3");
    snprintf(detail, sizeof(detail), "rc %d, n = %lld (want an error and 1)", rc, n);
    check("db_exec_once: an update whose answer was lost is not sent again", rc != 0 && n == 1, detail);
    printf("       (%s)\n", detail);

    /* The same with db_exec, for contrast: the hazard db_exec_once avoids. */
    side(admin, "UPDATE mrb_test_txn SET n = 0 WHERE id = 3");
    db = db_open(c);
    rc = db_exec(db, bump, DB_NO_PARAMS, NULL, &err);
    db_close(db);
    pause_ms(2500);
    n = side_int(admin, "SELECT n FROM mrb_test_txn WHERE id = 3");
    printf("       (db_exec, which runs a lost statement again: rc %d, n = %lld)\n", rc, n);
    c->db.io_timeout_s = 10;
}

/* ---- 4. a miscounted statement ---- */

static void test_miscount(struct db *db, MYSQL *admin)
{
    static const char ins[] = "INSERT INTO mrb_test_txn (id, n) VALUES (?, ?)";
    struct db_val p[] = {DB_I(4), DB_I(7)};
    struct mrb_err err = {0};
    char detail[512];
    int rc;

    side(admin, "DELETE FROM mrb_test_txn");
    rc = db_exec(db, ins, p, 1, NULL, &err); /* one short: by hand, as DB_PARAMS() never would */
    long long rows = side_int(admin, "SELECT COUNT(*) FROM mrb_test_txn");
    snprintf(detail, sizeof(detail), "rc %d, %d %s \"%s\", %lld rows", rc, err.http, err.code, err.msg, rows);
    check("a statement given fewer parameters than placeholders is refused (500), nothing written",
          rc < 0 && err.http == 500 && rows == 0, detail);
    err_clear(&err);
    struct db_col one = {.type = DB_INT};
    rc = db_query(db, "SELECT ?", p, 2, &one, 1, NULL, NULL, &err);
    snprintf(detail, sizeof(detail), "rc %d, %d %s", rc, err.http, err.code);
    check("a query given more parameters than placeholders is refused (500)", rc < 0 && err.http == 500, detail);
    err_clear(&err);
    rc = db_exec(db, ins, DB_PARAMS(p), NULL, &err);
    rows = side_int(admin, "SELECT COUNT(*) FROM mrb_test_txn WHERE id = 4 AND n = 7");
    snprintf(detail, sizeof(detail), "rc %d, %lld rows", rc, rows);
    check("the same statement with DB_PARAMS() runs", rc == 0 && rows == 1, detail);
}

int main(void)
{
    struct mrb_conf conf;
    char errbuf[512];
    const char *path = getenv("MRB_CONFIG");
    struct db *db;
    MYSQL *admin, *other;

    if (path == NULL || conf_load(path, &conf, errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "txn_faults: %s\n", path ? errbuf : "MRB_CONFIG is not set");
        return 2;
    }
    admin = side_open(&conf);
    other = side_open(&conf);
    side(admin, "CREATE TABLE IF NOT EXISTS mrb_test_txn (id INT NOT NULL PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB");
    db = db_open(&conf);
    test_ignored_deadlock(db, admin, other);
    test_killed_connection(db, admin);
    test_miscount(db, admin);
    db_close(db);
    test_lost_answer(&conf, admin);
    side(admin, "DROP TABLE mrb_test_txn");
    mysql_close(other);
    mysql_close(admin);
    conf_free(&conf);
    printf("txn_faults: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
