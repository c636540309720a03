#!/usr/bin/env bash
# `make demo`: simulators on :8001, a fresh SQLite mirror populated by real syncs, the app on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p .demo
export ESPELHO_DATABASE_URL="sqlite:///${root}/.demo/espelho-demo.db"
export ESPELHO_COMPRASNET_BASE_URL="http://127.0.0.1:8001/comprasnet/api"
export ESPELHO_ACESSORIAS_BASE_URL="http://127.0.0.1:8001/acessorias"
export ESPELHO_ACESSORIAS_TOKEN="demo-token"
export ESPELHO_DEMO_MODE=true
# The simulated office is small; lifting both sides of the rate limit populates it in seconds instead of
# the ~3 minutes the real 100/min budget would take. Production keeps the default limit.
export ESPELHO_ACESSORIAS_RATE_LIMIT=6000
# WhatsApp against the simulator's fake Graph API: the demo admin's phone is linked and gets the alerts.
export ESPELHO_WHATSAPP_GRAPH_URL="http://127.0.0.1:8001/whatsapp/v23.0"
export ESPELHO_WHATSAPP_PHONE_NUMBER_ID="100000000000001" ESPELHO_WHATSAPP_BUSINESS_NUMBER="5511999990000"
export ESPELHO_WHATSAPP_ACCESS_TOKEN="demo-whatsapp-token" ESPELHO_WHATSAPP_APP_SECRET="demo-app-secret"
export ESPELHO_WHATSAPP_VERIFY_TOKEN="demo-verify-token"
export DEMO_EMAIL="admin@example.com" DEMO_PASSWORD="espelho-demo" DEMO_PHONE="5511987654321"
espelho="${root}/backend/.venv/bin/espelho"

"$espelho" simulate --port 8001 --latency-ms 20 --rate-limit 10000 >.demo/simulator.log 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS http://127.0.0.1:8001/ >/dev/null 2>&1 && break
  sleep 0.1
done

rm -f .demo/espelho-demo.db*
"$espelho" db upgrade
bash scripts/demo-populate.sh "$espelho"

echo
echo "Espelho is running at http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/docs). Ctrl-C stops it."
echo "Sign in as ${DEMO_EMAIL} / ${DEMO_PASSWORD} (ADMIN). WhatsApp page: the admin's simulated phone"
echo "${DEMO_PHONE} is linked and received the alerts. Play that phone (events signed like Meta's) with:"
inbound='{"webhook_url":"http://127.0.0.1:8000/api/v1/webhooks/whatsapp","app_secret":"demo-app-secret",'
inbound+="\"from\":\"${DEMO_PHONE}\",\"text\":\"resumo\"}"
echo "  curl -s 127.0.0.1:8001/whatsapp/_control/inbound -H 'Content-Type: application/json' -d '${inbound}'"
"$espelho" serve --port 8000
