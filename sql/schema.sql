-- MRB base schema. Idempotent: scripts/db-migrate.sh applies it, then every
-- sql/migrations/NNN-*.sql not yet recorded in schema_migrations.
-- Galera-safe: InnoDB only, a primary key on every table, no LOCK TABLES/GET_LOCK.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INT          NOT NULL PRIMARY KEY,
  name       VARCHAR(255) NOT NULL,
  applied_at BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
