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
export DEMO_EMAIL="admin@example.com" DEMO_PASSWORD="espelho-demo"
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
echo "Sign in as ${DEMO_EMAIL} / ${DEMO_PASSWORD} (ADMIN)."
"$espelho" serve --port 8000
