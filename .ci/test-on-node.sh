#!/usr/bin/env bash
# Runs the main test suite (`npm test`) under another Node major, in a copy of the repo:
#
#   bash .ci/test-on-node.sh 24 [jest args...]
#
# The copy (without node_modules, dist and test-output) lives in
# ${TMPDIR:-/tmp}/nest-qsessions-node<major>; `npm ci` runs there under that Node, so that
# better-sqlite3 is built from source against its headers (npm's nodedir points at them; prebuilt
# binaries are never downloaded). Jest's --json result goes to
# test-output/jest-node<major>.json of this repo, for .ci/summarize.mjs. Which databases, caches
# and adapters run is the caller's choice through the usual QSESSIONS_TEST_* variables;
# QSESSIONS_TEST_DB_SUFFIX defaults to node<major> so that its databases never meet another run's.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
major="${1:?usage: test-on-node.sh <major> [jest args...]}"
shift

# shellcheck source=.ci/node.sh
source .ci/node.sh
node_prefix="$(node_dir "$major")" || exit 1
export PATH="$node_prefix/bin:$PATH"
export npm_config_nodedir="$node_prefix"
echo "node $(node --version) from $node_prefix, npm $(npm --version)"

copy="${TMPDIR:-/tmp}/nest-qsessions-node$major"
# A fresh copy of the working tree (tar, which every machine has), without what npm ci or a
# build makes: npm ci empties node_modules anyway.
rm -rf "$copy" && mkdir -p "$copy" test-output || exit 1
tar -C "$repo" --exclude=./node_modules --exclude=./dist --exclude=./test-output \
  --exclude=./sample-app/dist --exclude=./bench/dist --exclude=./coverage --exclude=./.git -cf - . \
  | tar -C "$copy" -xf - || exit 1
rm -f "$repo/test-output/jest-node$major.json"

cd "$copy" || exit 1
npm ci --no-audit --no-fund || exit 1
node -e 'require("better-sqlite3")(":memory:").close()' \
  || { echo "better-sqlite3 does not load under node $major" >&2; exit 1; }

QSESSIONS_TEST_DB_SUFFIX="${QSESSIONS_TEST_DB_SUFFIX:-node$major}" \
  npm test -- --json --outputFile="$repo/test-output/jest-node$major.json" "$@" 2>&1 \
  | tee "$repo/test-output/jest-node$major.log"
exit "${PIPESTATUS[0]}"
