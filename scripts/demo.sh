#!/usr/bin/env bash
# The main job on embedded defaults: installs what is missing, starts the stack (its own
# redis-server, storage under .data/), ingests a generated sample master and prints its
# HLS and DASH URLs, then keeps serving them until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/vodforge.mjs demo "$@"
