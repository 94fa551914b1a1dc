/* A room's presence as a whole (presence.h). */
#include "outbox.h"
#include "presence.h"

int presence_mark(struct db *db, const char *room, const char *server, struct mrb_err *err)
{
    static const char sql[] = "INSERT INTO presence_checks (room_id, server_id) VALUES (?, ?) "
                              "ON DUPLICATE KEY UPDATE marks = marks + 1, server_id = VALUES(server_id)";
    struct db_val p[] = {DB_S(room), DB_S(server)};

    return db_exec(db, sql, DB_PARAMS(p), NULL, err) == 0 ? 0 : -1;
}

int presence_end(struct db *db, const struct mrb_conf *c, const char *room, const char *keep_server,
                 long long held_until, const char *reason, struct mrb_err *err)
{
    static const char all_sql[] = "DELETE FROM participants WHERE room_id = ?";
    static const char others_sql[] = "DELETE FROM participants WHERE room_id = ? AND server_id <> ?";
    static const char seats_sql[] = "UPDATE seats SET connected = 0, held_until = GREATEST(held_until, ?) "
                                    "WHERE room_id = ?";
    struct db_val all[] = {DB_S(room)};
    struct db_val others[] = {DB_S(room), DB_S(keep_server ? keep_server : "")};
    struct db_val seats[] = {DB_I(held_until), DB_S(room)};
    int rc = outbox_people_leave(db, c, room, keep_server, reason, err);

    if (rc == 0)
        rc = keep_server ? db_exec(db, others_sql, DB_PARAMS(others), NULL, err)
                         : db_exec(db, all_sql, DB_PARAMS(all), NULL, err);

    if (rc != 0)
        return -1;
    return db_exec(db, seats_sql, DB_PARAMS(seats), NULL, err) == 0 ? 0 : -1;
}

int presence_mark_server(struct db *db, const char *server, struct mrb_err *err)
{
    static const char sql[] = "INSERT INTO presence_checks (room_id, server_id) "
                              "SELECT id, server_id FROM rooms WHERE server_id = ? AND ended_at IS NULL "
                              "ON DUPLICATE KEY UPDATE marks = marks + 1, server_id = VALUES(server_id)";
    struct db_val p[] = {DB_S(server)};

    return db_exec(db, sql, DB_PARAMS(p), NULL, err) == 0 ? 0 : -1;
}
