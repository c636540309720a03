#!/usr/bin/env bash
# The syncs `make demo` runs before serving: a demo admin, one UASG's contract list, the small office.
set -euo pipefail
espelho="$1"

"$espelho" user create --email "${DEMO_EMAIL}" --password "${DEMO_PASSWORD}" --role ADMIN --nome "Demo Admin"
# 160123 is the simulator's demo UASG (about 40 instruments, tabs filled for most of them).
"$espelho" sync-comprasnet --uasg 160123
"$espelho" sync-acessorias --full
