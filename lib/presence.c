#include "presence.h"

int presence_mark(struct db *db, const char *room, const char *server, struct mrb_err *err)
{
    static const char sql[] = "INSERT INTO presence_checks (room_id, server_id) VALUES (?, ?) "
                              "ON DUPLICATE KEY UPDATE marks = marks + 1, server_id = VALUES(server_id)";
    struct db_val p[] = {DB_S(room), DB_S(server)};

    return db_exec(db, sql, p, 2, NULL, err) == 0 ? 0 : -1;
}

int presence_mark_server(struct db *db, const char *server, struct mrb_err *err)
{
    static const char sql[] = "INSERT INTO presence_checks (room_id, server_id) "
                              "SELECT id, server_id FROM rooms WHERE server_id = ? AND ended_at IS NULL "
                              "ON DUPLICATE KEY UPDATE marks = marks + 1, server_id = VALUES(server_id)";
    struct db_val p[] = {DB_S(server)};

    return db_exec(db, sql, p, 1, NULL, err) == 0 ? 0 : -1;
}
