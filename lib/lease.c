/* Named leases across web nodes (lease.h). */
#include <stdio.h>
#include <unistd.h>

#include "lease.h"
#include "util.h"

int lease_take(struct db *db, const char *name, const char *holder, long ttl, struct mrb_err *err)
{
    static const char seed_sql[] = "INSERT IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)";
    static const char take_sql[] = "UPDATE leases SET holder = ?, expires_at = ? "
                                   "WHERE name = ? AND (holder = ? OR expires_at < ?)";
    long long now = util_now();
    struct db_val s[] = {DB_S(name)};
    struct db_val p[] = {DB_S(holder), DB_I(now + ttl), DB_S(name), DB_S(holder), DB_I(now)};
    unsigned long long affected = 0;

    if (db_exec(db, seed_sql, DB_PARAMS(s), NULL, err) != 0 || db_exec(db, take_sql, DB_PARAMS(p), &affected, err) != 0)
        return -1;
    return affected == 1;
}

void lease_release(struct db *db, const char *name, const char *holder)
{
    static const char sql[] = "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?";
    struct db_val p[] = {DB_S(name), DB_S(holder)};

    (void)db_exec(db, sql, DB_PARAMS(p), NULL, NULL);
}

void lease_holder_name(char *out, size_t len)
{
    char host[64] = "?", tag[12];

    gethostname(host, sizeof(host) - 1);
    if (util_random_token(tag, sizeof(tag), 6) != 0)
        snprintf(tag, sizeof(tag), "x");
    snprintf(out, len, "%s:%ld:%s", host, (long)getpid(), tag);
}
