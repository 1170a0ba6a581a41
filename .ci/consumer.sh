#!/usr/bin/env bash
# Consumer test: installs the packed package into a freshly laid-out Nest app with a plain
# `npm install`, compiles the app with the settings `nest new` generates, starts it and drives it
# over HTTP. One app on one Node per run:
#
#   bash .ci/consumer.sh --app nest12-esm --node 24 [--tarball nest-qsessions-0.1.0.tgz] [--without-transports]
#
# --without-transports: the app without GraphQL and WebSocket packages (they are removed from its
# package.json and the documentation's blocks, which use them, are not compiled), to prove that an
# app that has none of them installs and runs.
#
# Apps (templates in test/consumer/<app>: package.json with caret ranges and no lockfile, so
# each run gets today's latest releases within them; tsconfig.json; src/main.ts; the rest of src/
# from test/consumer/shared-src):
#   nest12-esm  NestJS 12, @nestjs/typeorm 12, TypeORM 1.x, ESM ("type": "module"), TypeScript 6.0
#   nest11-cjs  NestJS 11, @nestjs/typeorm 11, TypeORM 0.3, CommonJS (it loads the ESM package
#               through Node's require() of ES modules), TypeScript 5.9
# Node: the machine's for its own major, else the latest of that major (.ci/node.sh).
# Without --tarball, the current dist/ is packed (run `npm run build` first).
#
# Steps, each failing the run: plain `npm install` (no flags; legacy-peer-deps/force must be off
# in npm's config); `npm ls --all` without invalid, missing or unmet peers; the documentation's
# TypeScript blocks (.ci/extract-doc-snippets.mjs, when present; CONSUMER_DOC_EXTRACTOR=<file>
# runs another extractor) written to src/doc-snippets/ and compiled with the app; `tsc` with
# declaration emit, and no emitted .d.ts reaching into the package's files; every entry point
# loaded by require() (CommonJS app) or import (ESM app); the `qsessions` bin;
# the app on PostgreSQL (database consumer_<app>_<node>, created and dropped here) driven by
# .ci/consumer-drive.mjs. Logs: test-output/consumer/<app>-node<major>/. KEEP_CONSUMER_APP=1
# keeps the app's folder (printed) instead of deleting it.
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

app=''
major=''
tarball=''
without_transports=0
while [ $# -gt 0 ]; do
  case "$1" in
    --without-transports) without_transports=1; shift ;;
    --app) app="$2"; shift 2 ;;
    --node) major="$2"; shift 2 ;;
    --tarball) tarball="$2"; shift 2 ;;
    *) echo "consumer.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$app" ] && [ -d "test/consumer/$app" ] || { echo "consumer.sh: --app must name a folder of test/consumer" >&2; exit 2; }
[ -n "$major" ] || major="$(node -p 'process.versions.node.split(".")[0]')"

name="$app-node$major"
[ "$without_transports" = 1 ] && name="$name-without-transports"
logs="$repo/test-output/consumer/$name"
rm -rf "$logs"
mkdir -p "$logs"
work=''
app_pid=''
database="consumer_${app//-/_}_$major"
started=$SECONDS

say() { printf '[%s %3ss] %s\n' "$name" "$((SECONDS - started))" "$*"; }
fail() {
  say "FAILED: $*" >&2
  exit 1
}
# show_log FILE: the end of a log, on failure.
show_log() { echo "---- $1 (last 60 lines)" >&2; tail -n 60 "$1" >&2; echo "----" >&2; }
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    kill "$app_pid" 2>/dev/null
    wait "$app_pid" 2>/dev/null
  fi
  psql_admin -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1
  if [ -n "$work" ]; then
    if [ "${KEEP_CONSUMER_APP:-}" = 1 ]; then echo "[$name] app kept in $work"; else rm -rf "$work"; fi
  fi
}
trap cleanup EXIT

# shellcheck source=.ci/services.sh
source .ci/services.sh
ensure_services postgres >/dev/null || fail "PostgreSQL does not answer"

# shellcheck source=.ci/node.sh
source .ci/node.sh
node_prefix="$(node_dir "$major")" || fail "no Node $major"
export PATH="$node_prefix/bin:$PATH"
export npm_config_nodedir="$node_prefix"
say "node $(node --version) ($(command -v node)), npm $(npm --version)"

work="$(mktemp -d "${TMPDIR:-/tmp}/nest-qsessions-consumer-$name.XXXXXX")" || fail "mktemp"

if [ -z "$tarball" ]; then
  [ -f dist/index.js ] || fail "dist/ is not built (npm run build)"
  npm pack --silent --pack-destination "$work" >"$logs/pack.log" 2>&1 || { show_log "$logs/pack.log"; fail "npm pack"; }
  tarball="$(ls "$work"/nest-qsessions-*.tgz)"
fi
tarball="$(readlink -f "$tarball")"
[ -f "$tarball" ] || fail "no tarball at $tarball"

cp -R "test/consumer/$app" "$work/app" || fail "copy"
# The controllers, module and entity are the same in both apps (relative imports with `.js`, which
# both ESM and CommonJS under `nodenext` take); each app has only its own main.ts.
cp test/consumer/shared-src/*.ts "$work/app/src/" || fail "copy the shared sources"
cd "$work/app" || fail "cd"
if [ "$without_transports" = 1 ]; then
  node -e '
    const fs = require("fs");
    const manifest = JSON.parse(fs.readFileSync("package.json", "utf8"));
    const transports = /^(@nestjs\/(graphql|websockets|platform-socket\.io|platform-ws)|graphql|socket\.io|ws)$/;
    for (const field of ["dependencies", "devDependencies"])
      for (const name of Object.keys(manifest[field] ?? {})) if (transports.test(name)) delete manifest[field][name];
    fs.writeFileSync("package.json", JSON.stringify(manifest, null, 2));
  ' || fail "removing the transport packages"
  say "without GraphQL and WebSocket packages: $(node -p 'Object.keys(require("./package.json").dependencies).join(", ")')"
fi

# The issue: a plain `npm install`, as an app's developer types it. A config that loosens peer
# resolution would make this test prove nothing.
for setting in legacy-peer-deps force; do
  [ "$(npm config get "$setting")" = false ] || fail "npm's config sets $setting: the install would not be plain"
done
npm pkg set "dependencies.nest-qsessions=file:$tarball" || fail "npm pkg set"
say "npm install ($(basename "$tarball"))"
npm install >"$logs/install.log" 2>&1 || { show_log "$logs/install.log"; fail "npm install"; }
grep -i 'ERESOLVE\|peer' "$logs/install.log" >&2 && say "warning: peer dependency messages in install.log (above)" >&2
# Reported, not failed: a dependency of the app (not of the package) may want a newer Node.
engine_warnings="$(sed -n "s/^npm warn EBADENGINE *package: '\(.*\)',/\1/p" "$logs/install.log" | sort -u | tr '\n' ' ')"
[ -z "$engine_warnings" ] || say "warning: npm says these packages do not support Node $major: $engine_warnings" >&2
installed="$(node -p 'require("./node_modules/nest-qsessions/package.json").version')"
say "installed nest-qsessions $installed with $(node -p '["@nestjs/core", "@nestjs/typeorm", "typeorm", "typescript"].map((p) => p + "@" + require("./node_modules/" + p + "/package.json").version).join(", ")')"

# Every peer satisfied: npm ls exits non-zero and says "invalid", "missing" or "UNMET" otherwise.
# "UNMET OPTIONAL DEPENDENCY" is an optional peer nobody installed (typeorm's other drivers...).
ls_status=0
npm ls --all >"$logs/npm-ls.txt" 2>&1 || ls_status=$?
ls_problems="$(grep -v 'UNMET OPTIONAL DEPENDENCY' "$logs/npm-ls.txt" | grep -Ei '\binvalid\b|\bmissing\b|\bUNMET\b|npm error')"
if [ "$ls_status" != 0 ] || [ -n "$ls_problems" ]; then
  printf '%s\n' "$ls_problems" >&2
  fail "npm ls --all: exit status $ls_status, problems above (full tree: $logs/npm-ls.txt)"
fi
say "npm ls --all: no invalid, missing or unmet dependency"

# The documentation's TypeScript blocks, compiled as part of this app.
extractor="${CONSUMER_DOC_EXTRACTOR:-$repo/.ci/extract-doc-snippets.mjs}"
if [ "$without_transports" = 1 ]; then
  say "doc snippets: skipped (they use GraphQL and WebSocket packages this app does not have)"
elif [ -f "$extractor" ]; then
  (cd "$repo" && node "$extractor" "$work/app/src/doc-snippets") >"$logs/doc-snippets.log" 2>&1 \
    || { show_log "$logs/doc-snippets.log"; fail "doc snippet extraction ($extractor)"; }
  say "doc snippets: $(find src/doc-snippets -name '*.ts' 2>/dev/null | wc -l) files from $(basename "$extractor")"
else
  say "doc snippets: no $extractor yet, skipped"
fi

say "tsc -p tsconfig.build.json (typescript $(npx --no-install tsc --version | sed 's/Version //'))"
npx --no-install tsc -p tsconfig.build.json >"$logs/tsc.log" 2>&1 || {
  cat "$logs/tsc.log" >&2
  fail "the app does not compile"
}
[ -f dist/main.js ] && [ -f dist/account.controller.d.ts ] || fail "tsc emitted no dist/main.js or declarations"
# A declaration naming the package's internals (a path into it, not an entry point) is a type that
# an app cannot name: TypeScript refuses it under exports maps, this catches the rest.
if grep -rlE 'nest-qsessions/dist|node_modules/nest-qsessions' dist --include='*.d.ts' >&2; then
  fail "emitted declarations (above) import the package's files instead of its entry points"
fi
cp dist/account.controller.d.ts "$logs/" 2>/dev/null
if [ "$app" = nest11-cjs ]; then
  # The app really is CommonJS: its package.json has no "type" and tsc emitted require() calls.
  [ "$(node -p 'require("./package.json").type ?? "commonjs"')" = commonjs ] || fail "the app is not CommonJS"
  grep -q 'require("nest-qsessions")' dist/account.controller.js || fail "dist/account.controller.js does not require() the package"
  say "CommonJS app: loads nest-qsessions with require() (process.features.require_module: $(node -p 'process.features.require_module'))"
fi

# Every entry point of the exports map loads the way this app loads modules (require() in the
# CommonJS app, import in the ESM one), from the app's folder.
entry_points='["nest-qsessions", "nest-qsessions/cli", "nest-qsessions/health", "nest-qsessions/import", "nest-qsessions/migrations"]'
if [ "$app" = nest11-cjs ]; then
  node -e "for (const p of $entry_points) console.log(p, Object.keys(require(p)).length, 'exports')" \
    >"$logs/entry-points.log" 2>&1
else
  node --input-type=module -e "for (const p of $entry_points) console.log(p, Object.keys(await import(p)).length, 'exports')" \
    >"$logs/entry-points.log" 2>&1
fi || { show_log "$logs/entry-points.log"; fail "an entry point does not load"; }
say "entry points load: $(tr '\n' ';' <"$logs/entry-points.log")"

npx --no-install qsessions --help >"$logs/bin.log" 2>&1 && grep -q 'Usage: qsessions' "$logs/bin.log" \
  || { show_log "$logs/bin.log"; fail "the qsessions bin"; }
say "qsessions --help: ok"

psql_admin -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database" \
  || fail "could not create database $database"
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$database" node dist/main.js >"$logs/app.log" 2>&1 &
app_pid=$!
url=''
for _ in $(seq 1 600); do
  url="$(sed -n 's/^consumer app listening on \(http[^ ]*\).*/\1/p' "$logs/app.log" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$app_pid" 2>/dev/null || { show_log "$logs/app.log"; fail "the app exited while starting"; }
  sleep 0.1
done
[ -n "$url" ] || { show_log "$logs/app.log"; fail "the app did not listen within 60 s"; }
say "app listening on $url"

node "$repo/.ci/consumer-drive.mjs" "$url" 2>&1 | tee "$logs/drive.log"
drive_status=${PIPESTATUS[0]}
kill "$app_pid" 2>/dev/null
wait "$app_pid" 2>/dev/null
app_pid=''
if [ "$drive_status" != 0 ]; then
  show_log "$logs/app.log"
  fail "HTTP checks"
fi
if grep -Eq 'ERROR|Error:' "$logs/app.log"; then
  show_log "$logs/app.log"
  fail "the app logged errors"
fi
grep -i 'warning' "$logs/app.log" | sed "s/^/[$name] app: /" >&2
say "passed"
