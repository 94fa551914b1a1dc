#!/usr/bin/env bash
# Transactions are all or nothing: db_transaction() under a deadlock that
# its body ignores and a connection killed between two statements, and
# db_exec_once() under a lost answer, made deterministically by a second
# MariaDB session (tests/e2e/txn_faults.c).
. "$(dirname "$0")/lib.sh"
[ -x "$ROOT/tests/e2e/txn_faults" ] || { not_ok "tests/e2e/txn_faults is built (make tests/e2e/txn_faults)"; finish; exit 1; }
"$ROOT/tests/e2e/txn_faults"
