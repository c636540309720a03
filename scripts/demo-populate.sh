#!/usr/bin/env bash
# The syncs `make demo` runs before serving: a demo admin, one UASG's contract list, the small office;
# then the admin's simulated phone is linked and gets today's WhatsApp alerts from the fake Graph API.
set -euo pipefail
espelho="$1"

"$espelho" user create --email "${DEMO_EMAIL}" --password "${DEMO_PASSWORD}" --role ADMIN --nome "Demo Admin"
# 160123 is the simulator's demo UASG (about 40 instruments, tabs filled for most of them).
"$espelho" sync-comprasnet --uasg 160123
"$espelho" sync-acessorias --full
"$espelho" whatsapp vincular --email "${DEMO_EMAIL}" --numero "${DEMO_PHONE}"
"$espelho" whatsapp alertas
