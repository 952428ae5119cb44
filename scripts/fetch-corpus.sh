#!/usr/bin/env bash
# Fetches the real masters of test/corpus/manifest.tsv from Debian packages into a cache outside
# the clone (VODFORGE_CORPUS_DIR, default ~/.cache/vodforge/corpus), checks each clip's SHA-256,
# and prints the cache directory. Clips already there with the right checksum are kept; a
# package is downloaded only for the clips missing. Needs apt-get (any Debian or Ubuntu).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${VODFORGE_CORPUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vodforge/corpus}"
mkdir -p "$dir"
manifest=test/corpus/manifest.tsv

ok() { [ -f "$dir/$1" ] && [ "$(sha256sum "$dir/$1" | cut -d' ' -f1)" = "$2" ]; }

# Packages holding at least one clip not yet cached.
mapfile -t missing < <(grep -v '^#' "$manifest" | while IFS=$'\t' read -r name pkg version member sha _; do
  ok "$name.${member##*.}" "$sha" || printf '%s=%s\n' "$pkg" "$version"
done | sort -u)

if [ "${#missing[@]}" -gt 0 ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "fetch-corpus: downloading ${missing[*]}" >&2
  # apt-get download needs the package lists; refresh them once if the first try fails.
  if ! (cd "$work" && apt-get download -qq "${missing[@]}" 2>/dev/null); then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    (cd "$work" && apt-get download -qq "${missing[@]}")
  fi
  grep -v '^#' "$manifest" | while IFS=$'\t' read -r name pkg version member sha _; do
    file="$name.${member##*.}"
    ok "$file" "$sha" && continue
    deb=$(ls "$work/${pkg}_"*.deb)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./$member" > "$dir/$file.part"
    got=$(sha256sum "$dir/$file.part" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then
      rm -f "$dir/$file.part"
      echo "fetch-corpus: $file from $pkg $version has SHA-256 $got, expected $sha" >&2
      exit 1
    fi
    mv "$dir/$file.part" "$dir/$file"
  done
fi
echo "$dir"
