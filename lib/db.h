#ifndef MRB_DB_H
#define MRB_DB_H

#include <stddef.h>
#include <string.h>

#include "conf.h"
#include "apierror.h"

/* MariaDB, or a Galera cluster of it: prepared statements only (SQL text is
 * always a literal; values are bound, and counted by DB_PARAMS), whole
 * transactions run again on a deadlock or certification conflict, and the
 * first ready node of [db] hosts, with failover to the next when it goes. */

enum db_type { DB_NULL, DB_INT, DB_DOUBLE, DB_STR };

/* A bound parameter. Strings are borrowed for the duration of the call. */
struct db_val {
    enum db_type type;
    long long i;
    double d;
    const char *s;
    unsigned long len;
};

#define DB_I(v) ((struct db_val){.type = DB_INT, .i = (long long)(v)})
#define DB_D(v) ((struct db_val){.type = DB_DOUBLE, .d = (double)(v)})
#define DB_S(v) ((struct db_val){.type = DB_STR, .s = (v), .len = (unsigned long)strlen(v)})
#define DB_SN(v) ((v) ? DB_S(v) : (struct db_val){.type = DB_NULL})

#define DB_COL_MAX 1024

/* A result column: the caller sets type; db_query fills the rest per row.
 * Strings longer than DB_COL_MAX-1 bytes fail the query. */
struct db_col {
    enum db_type type;
    long long i;
    double d;
    char s[DB_COL_MAX];
    unsigned long len;
    char is_null;
};

/* Copies string column c into dst (cap bytes, NUL-terminated): "" for
 * NULL. Returns 0, or -1 (dst "") when it does not fit. */
int db_col_str(char *dst, size_t cap, const struct db_col *c);

/* A db_fill_fn for a one-column query of strings into fixed-size char
 * arrays: ctx points to the array's size (a size_t). Rows too long for it
 * are skipped. */
int db_fill_text(void *elem, const struct db_col *cols, size_t ncols, void *ctx);

/* Returns non-zero to stop fetching. Must not run queries itself. */
typedef int (*db_row_fn)(void *ctx, const struct db_col *cols, size_t ncols);

/* What a statement came to, by apierror.h's sign rule: 0 done, > 0
 * another outcome (db_query: a row count), < 0 failed (err set). */
enum db_status {
    DB_OK = 0,
    DB_DUP = 1,      /* duplicate key: the row exists, nothing was written */
    DB_ERR = -1,     /* connection or server error: err is a 503 */
    DB_CONFLICT = -3,   /* deadlock or Galera certification failure: the transaction was rolled back */
    DB_LOST_COMMIT = -4 /* db_commit(): the node went away during COMMIT; the outcome is unknown */
};

/* The parameters of a statement, for the np-taking calls below: an array
 * of struct db_val, counted by the compiler. A pointer does not compile
 * (the array's size would be lost), and run() refuses a statement whose
 * placeholders (mysql_stmt_param_count) differ from the count. */
#define DB_PARAMS(a) (a), (sizeof(a) / sizeof((a)[0]) + DB_ARRAY_CHECK_(a))
#define DB_NO_PARAMS NULL, 0
#define DB_ARRAY_CHECK_(a) \
    (0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))

struct db;

/* Allocates a handle; the connection is made on first use and remade when
 * it drops. The caller owns the handle and frees it with db_close(). */
struct db *db_open(const struct mrb_conf *conf);
void db_close(struct db *db);

/* Runs a statement. *affected (may be NULL) gets matched rows. Returns 0,
 * DB_DUP, DB_CONFLICT or DB_ERR. Outside a transaction, a lost connection is remade and
 * the statement retried once. Inside one, a lost connection or a conflict
 * ends the transaction: every later statement of it fails the same way,
 * and db_transaction() runs the whole of it again. */
int db_exec(struct db *db, const char *sql, const struct db_val *params, size_t np,
            unsigned long long *affected, struct mrb_err *err);
/* db_exec() for a statement that must not apply twice (a relative update:
 * fail_count + 1, a counter): when the connection is lost after it was
 * sent, whether it was applied is unknown, so it is not run again (DB_ERR).
 * A connection lost before it was sent is remade and the statement run. */
int db_exec_once(struct db *db, const char *sql, const struct db_val *params, size_t np,
                 unsigned long long *affected, struct mrb_err *err);

/* Runs a query; fn (may be NULL) sees each row. Returns the row count, or
 * DB_CONFLICT or DB_ERR. With fn NULL, cols holds the first row afterwards. */
int db_query(struct db *db, const char *sql, const struct db_val *params, size_t np,
             struct db_col *cols, size_t ncols, db_row_fn fn, void *ctx, struct mrb_err *err);

/* Fills elem (zeroed, elem_size bytes) from one row. Returns 0 to keep it,
 * or non-zero to skip the row (one that cannot be used, say over-long). */
typedef int (*db_fill_fn)(void *elem, const struct db_col *cols, size_t ncols, void *ctx);

/* Runs a query and collects its rows into a new array: *out (the caller
 * frees it; NULL when no row was kept) gets *n elements of elem_size bytes,
 * each filled by fill. Returns 0, or DB_ERR (503: the query failed, or out
 * of memory) with *out NULL. */
int db_collect(struct db *db, const char *sql, const struct db_val *params, size_t np, struct db_col *cols,
               size_t ncols, size_t elem_size, db_fill_fn fill, void *ctx, void **out, size_t *n,
               struct mrb_err *err);

int db_begin(struct db *db, struct mrb_err *err);
/* Returns 0, DB_CONFLICT (rolled back: run it again), DB_LOST_COMMIT or
 * DB_ERR. */
int db_commit(struct db *db, struct mrb_err *err);
/* Rolls back an open transaction; harmless when none is open. */
void db_rollback(struct db *db);

/* The body of a transaction: runs statements on db and returns 0 to commit,
 * or anything else (DB_CONFLICT included) to roll back. */
typedef int (*db_txn_fn)(struct db *db, void *ctx, struct mrb_err *err);

/* After the first try. 8: with 60 joins racing for one room's lapsed seats
 * through two Galera nodes, 3 and then 5 left one join in a clean-clone
 * run out of retries (a 503 for a join the room had a seat for: 86
 * certification failures in that race). The backoff doubles up to
 * DB_TXN_BACKOFF_MAX_SHIFT, so the retries wait 10-30, 20-60, 40-120,
 * 80-240, then 160-480 ms each: at most 2.4 s in all, a slow join in a
 * thundering herd rather than a refused one. */
#define DB_TXN_RETRIES 8
#define DB_TXN_BACKOFF_US 10000L /* the first retry's backoff, doubled for each next one */
#define DB_TXN_BACKOFF_MAX_SHIFT 4 /* ...up to 16 times it */
/* The transaction may be applied twice without harm (its writes are
 * conditional or deduplicated), so it is run again even when the node went
 * away during COMMIT and whether it committed is unknown. */
#define DB_TXN_REPLAYABLE 1

/* Runs fn between BEGIN and COMMIT. When a statement or the COMMIT itself
 * fails with DB_CONFLICT, the whole transaction is run again, up to
 * DB_TXN_RETRIES times with jittered backoff; when the node goes away before
 * COMMIT, it runs again once on the next ready node (and, with
 * DB_TXN_REPLAYABLE in flags, also when it went away during COMMIT). fn must
 * therefore start from scratch each time and touch nothing but the
 * database. Returns 0 when committed, else what fn or the database
 * returned (err set). */
int db_transaction(struct db *db, db_txn_fn fn, void *ctx, int flags, struct mrb_err *err);

/* Housekeeping between requests (never inside one): a worker that moved to
 * a later node goes back to an earlier one once it has stayed ready for
 * [db] failback_s. Looks at most every few seconds. */
void db_idle(struct db *db);

/* 1 while the node in use is a Galera node. */
int db_is_galera(const struct db *db);

/* The node in use as "host:port" in buf, or NULL when not connected. */
const char *db_node_name(const struct db *db, char *buf, size_t len);

/* Like db_query(), but on a Galera node the read first waits until the
 * node has applied every write committed anywhere in the cluster before it
 * (wsrep_sync_wait = 1): for a read that must see a write made through
 * another node. Costs a cluster round trip; a plain read elsewhere. */
int db_query_causal(struct db *db, const char *sql, const struct db_val *params, size_t np,
                    struct db_col *cols, size_t ncols, db_row_fn fn, void *ctx, struct mrb_err *err);

/* 1 while a connection is open (after a lost connection it is not). */
int db_connected(const struct db *db);

/* Statements prepared on the current connection (for tests and benches). */
unsigned long db_prepare_count(const struct db *db);

#endif
