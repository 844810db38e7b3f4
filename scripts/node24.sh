#!/usr/bin/env bash
# Run the end-to-end suite (test/cli, test/rotate*, test/reliability) under Node 24, as well as this machine's
# Node: the test runner and every process it starts (the CLI, via ENVKIT_TEST_NODE and process.execPath) run
# on Node 24. Node 24 is the npm package node-linux-<arch>@24, installed once into a cache directory outside
# the repository (ENVKIT_NODE24_CACHE, default ~/.cache/envkit/node24, or /var/cache/envkit/node24 as root).
#
#   bash scripts/node24.sh [vitest args...]      e.g. bash scripts/node24.sh test/cli
#
# The heavy budgets are smaller than in the main run (which already does the full crash and fuzz counts):
# ENVKIT_CRASH_RUNS defaults to 250 here, ENVKIT_FUZZ_RUNS to 20.
set -euo pipefail
cd "$(dirname "$0")/.."

major=24
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node24: no node-linux package for $(uname -m)" >&2; exit 3 ;;
esac
package="node-linux-$arch"
# As root the cache lives in /var/cache, not in root's private home: tests that drop to `nobody` run it too.
if [ "$(id -u)" = 0 ]; then default_cache=/var/cache/envkit/node$major; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/envkit/node$major"; fi
cache="${ENVKIT_NODE24_CACHE:-$default_cache}"
node24="$cache/node_modules/$package/bin/node"

if ! { [ -x "$node24" ] && "$node24" --version 2>/dev/null | grep -q "^v$major\."; }; then
  echo "node24: installing $package@$major into $cache"
  mkdir -p -m 0755 "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$major" >/dev/null
fi
echo "node24: $("$node24" --version) ($node24)"

[ -f packages/cli/dist/bin.js ] || npx -y pnpm@10 run build

export ENVKIT_TEST_NODE="$node24"
export ENVKIT_EXPECT_NODE_MAJOR="$major"
export ENVKIT_CRASH_RUNS="${ENVKIT_CRASH_RUNS:-250}"
export ENVKIT_FUZZ_RUNS="${ENVKIT_FUZZ_RUNS:-20}"
# Node 24 first on PATH too, for anything started as plain `node` (shebangs, shells).
export PATH="$(dirname "$node24"):$PATH"

if [ $# -eq 0 ]; then set -- test/cli test/rotate.test.ts test/rotate-faults.test.ts test/reliability; fi
started=$(date +%s)
status=0
"$node24" scripts/run-vitest.mjs "$@" || status=$?
echo "node24: end-to-end suite on $("$node24" --version) took $(( $(date +%s) - started )) s"
exit $status
