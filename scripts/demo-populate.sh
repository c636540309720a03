#!/usr/bin/env bash
# The syncs `make demo` runs before serving; each domain adds its own step here.
set -euo pipefail
espelho="$1"
