#!/usr/bin/env bash
# Runs `envkit guard` and secretlint 11 (recommended preset) on the same corpus of leaks, for docs/guard.md.
# secretlint is fetched by npx into npm's cache; it is not a dependency of envkit.
#   bash scripts/compare-secretlint.sh        (after `pnpm build`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
envkit() { node -- "$root/packages/cli/dist/bin.js" "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q
key="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"
envkit init --no-input --no-keyring --set "OPENAI_API_KEY=$key" \
  --set "OPENROUTER_API_KEY=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" >/dev/null
pw=$(grep '^POSTGRES_PASSWORD=' .env | cut -d= -f2)
url=$(grep '^MEMU_DB_URL=' .env | cut -d= -f2)
printf 'DB_PASSWORD = "%s"\n' "$pw" > config.py
printf 'export DATABASE_URL=%s\n' "$url" > dsn.sh
printf 'apiVersion: v1\nkind: Secret\ndata:\n  password: %s\n' "$(printf '%s' "$pw" | base64 -w0)" > k8s-secret.yaml
printf 'blob: %s\n' "$(printf 'user=memu;pass=%s;host=db' "$pw" | base64 -w0)" > b64-inside.txt
printf 'openai.api_key = "%s"\n' "$key" > settings.py
cp .env .env.production
cp .env env-backup.txt
printf '# created: 2026-01-01T00:00:00Z\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQY\n' > identity.txt
sed -i 's|^OPENROUTER_API_KEY=.*|OPENROUTER_API_KEY=sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef|' .env.example
printf 'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: Tr0ub4dor-and-3\n' > compose.yaml
printf 'x\0\0\x01%s\0\xff' "$pw" > dump.bin
printf 'pg_user=memu\n' > short.txt
printf 'first half: %s\nsecond half: %s\n' "${pw:0:16}" "${pw:16}" > split.txt
printf 'curl "https://api.example.invalid/?key=%s"\n' "$key" > url.sh
git add -f -A -- . ':!.env'
echo "== envkit guard"
envkit guard --no-keyring | grep -v '^        fix:' || true
echo "== secretlint 11 (recommended preset), same files"
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' > "$work/.secretlintrc.json"
git ls-files -z | xargs -0 npx -y -p secretlint@11 -p @secretlint/secretlint-rule-preset-recommend@11 \
  secretlint --secretlintrc "$work/.secretlintrc.json" --format unix --maskSecrets || true
