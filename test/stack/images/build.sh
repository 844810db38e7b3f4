#!/usr/bin/env bash
# Builds the local images the real-stack tests run (no registry is reachable here):
#   envkit-test/db   Debian trixie PostgreSQL 17 + pgvector, behaving like the official postgres image
#                    where envkit depends on it (first-start init from POSTGRES_*, scram-sha-256, pg_isready)
#   envkit-test/app  Debian trixie python3 + SQLAlchemy 2 + psycopg 3: the memu stand-in and the Ollama stand-in
# Each image is tagged with a hash of its inputs, so a second run builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${ENVKIT_IMAGE_WORK:-/var/tmp/envkit-images}
mkdir -p "$work"

sources() {
  # mmdebstrap reads apt sources on stdin; the machine's own list names its mirror.
  local suite=$1
  if [ "$suite" = bookworm ]; then cat /etc/apt/sources.list.d/debian.sources; return; fi
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  printf 'deb %s %s main\n' "${uri:-http://deb.debian.org/debian}" "$suite"
}

build() {
  local name=$1 suite=$2 packages=$3
  local tag
  tag=$( { echo "$suite $packages"; cat "$here/$name/"*; } | sha256sum | cut -c1-12)
  local image="localhost/envkit-test/$name:$tag"
  if podman image exists "$image"; then
    echo "images: $image cached"
  else
    local base="localhost/envkit-test/$name-base:$(echo "$suite $packages" | sha256sum | cut -c1-12)"
    if ! podman image exists "$base"; then
      local start=$SECONDS
      rm -f "$work/$name.tar"
      sources "$suite" | mmdebstrap --quiet --variant=apt --include="$packages" --format=tar \
        --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
        "$suite" "$work/$name.tar" -
      podman import --quiet "$work/$name.tar" "$base" >/dev/null
      rm -f "$work/$name.tar"
      echo "images: $base built from Debian $suite in $((SECONDS - start)) s"
    fi
    podman build --quiet --runtime runc --build-arg "BASE=$base" -t "$image" "$here/$name" >/dev/null
    echo "images: $image built"
  fi
  podman tag "$image" "localhost/envkit-test/$name:latest"
}

build db trixie "postgresql-17,postgresql-17-pgvector,util-linux"
build app trixie "python3,python-is-python3,python3-sqlalchemy,python3-psycopg,ca-certificates"
