#!/usr/bin/env bash
# Quick start, as root on a fresh Debian 12 machine:
#   bash deploy/quickstart.sh [skiff server flags...]
# Installs the prerequisites (deploy/install.sh), installs the npm
# dependencies when node_modules is missing or older than package-lock.json,
# bundles Skiff into dist/ (npm run build), then runs `skiff server` from the
# bundle in the foreground (Ctrl-C stops the cluster; run it
# again to resume the same cluster from /var/lib/skiff).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

SKIFF_INSTALL_TESTS="${SKIFF_INSTALL_TESTS:-1}" bash deploy/install.sh

# npm writes node_modules/.package-lock.json on every install; if it is older
# than package-lock.json (or missing), the installed tree is stale.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[quickstart] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

# Run the bundle (npm run build, about 5 s): no TypeScript compiler at run time.
echo "[quickstart] bundling Skiff into dist/ (npm run build)"
node --import tsx deploy/build/build.ts
SKIFF_RUN=bundle exec node --max-semi-space-size=2 --heap-growing-percent=20 deploy/bin/skiff.mjs server "$@"
