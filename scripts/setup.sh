#!/usr/bin/env bash
# Installs what vodforge needs on a Debian/Ubuntu machine, only what is missing:
# ffmpeg/ffprobe and redis-server from apt, then the npm dependencies from the lock file.
# `--test` adds what only the tests need (scripts/test.sh passes it; the demo does not).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Every ffmpeg runs under a Perl parent that reports its CPU (ffmpeg/process-cpu.ts); Debian ships it.
command -v perl >/dev/null 2>&1 || need+=(perl-base)
if [ "${1:-}" = "--test" ]; then
  # A font for librsvg (sharp renders SVG text in the artwork tests).
  [ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
  # Debian's Chromium for the browser tests (playwright-core drives it; it never downloads a browser).
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # docker-compose.yml is checked with `docker-compose config` (no Docker engine needed).
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
fi
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${need[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error(`setup: vodforge needs Node.js >= 20.19, this is ${process.version}`);
    process.exit(1);
  }'

# npm ci only when nothing is installed yet or the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
