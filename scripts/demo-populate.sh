#!/usr/bin/env bash
# The syncs `make demo` runs before serving: a demo admin, one UASG's contract list, the small office (and
# a day of its changes);
# then the admin's simulated phone is linked and gets today's WhatsApp alerts from the fake Graph API.
set -euo pipefail
espelho="$1"

"$espelho" user create --email "${DEMO_EMAIL}" --password "${DEMO_PASSWORD}" --role ADMIN --nome "Demo Admin"
# 160123 is the simulator's demo UASG (about 40 instruments, tabs filled for most of them).
"$espelho" sync-comprasnet --uasg 160123
"$espelho" sync-acessorias --full
# The office moves on once (passos done, deliveries, new processos) and an incremental sees it: "O que
# mudou" and a processo's Histórico have entries from the first screen on.
curl -fsS -X POST http://127.0.0.1:8001/acessorias/_control/advance -H 'Content-Type: application/json' \
  -d '{"token":"demo-token","steps_completed":15,"deliveries_changed":8,"processes_created":3}' >/dev/null
"$espelho" sync-acessorias --incremental
"$espelho" whatsapp vincular --email "${DEMO_EMAIL}" --numero "${DEMO_PHONE}"
"$espelho" whatsapp alertas
