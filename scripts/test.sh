#!/usr/bin/env bash
# Install the workspace and run every test (unit, type, end-to-end). Used by the README and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
npx -y pnpm@10 install --frozen-lockfile
npx -y pnpm@10 test
