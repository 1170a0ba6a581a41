// Checks what the npm tarball holds:
//
//   node .ci/pack-contents.mjs [pack.json]
//
// pack.json is the output of `npm pack --json` (the tarball that the consumer test installs);
// without it, `npm pack --dry-run --json` is run here. Allowed: package.json, README.md, LICENSE,
// CHANGELOG.md (all four required) and compiled files under dist/ (.js and .d.ts). Anything else
// fails the check: source maps, TypeScript sources, tests, fixtures, stray files. Every file that
// package.json's main, types, bin, exports and typesVersions name must be in the tarball.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];

const packJson = process.argv[2]
  ? readFileSync(process.argv[2], 'utf8')
  : execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { encoding: 'utf8' });
const [pack] = JSON.parse(packJson);
const files = pack.files.map((file) => file.path);
const present = new Set(files);
const problems = [];

function why(path) {
  if (REQUIRED.includes(path)) return null;
  if (/\.map$/.test(path)) return 'a source map (.map)';
  if (/(^|\/)(test|tests|__tests__|fixtures|spec)\//.test(path) || /\.(spec|test|e2e)\.[cm]?[jt]s$/.test(path)) {
    return 'a test file';
  }
  if (/\.[cm]?ts$/.test(path) && !/\.d\.[cm]?ts$/.test(path)) return 'a TypeScript source (.ts other than .d.ts)';
  if (!path.startsWith('dist/')) return 'outside dist/ and not one of ' + REQUIRED.join(', ');
  if (!/\.(js|d\.ts)$/.test(path)) return 'in dist/ but neither .js nor .d.ts';
  return null;
}

for (const path of files) {
  const reason = why(path);
  if (reason) problems.push(`${path}: ${reason}`);
}
for (const path of REQUIRED) {
  if (!present.has(path)) problems.push(`${path}: missing from the tarball`);
}

// Every path package.json points at, with its "./" dropped.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const targets = new Map();
function collect(value, where) {
  if (typeof value === 'string') {
    if (value.startsWith('./') || !value.includes(':')) targets.set(value.replace(/^\.\//, ''), where);
  } else if (Array.isArray(value)) value.forEach((item, index) => collect(item, `${where}[${index}]`));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collect(item, `${where}.${key}`);
  }
}
collect(manifest.main, 'main');
collect(manifest.types, 'types');
collect(manifest.bin, 'bin');
collect(manifest.exports, 'exports');
collect(manifest.typesVersions, 'typesVersions');
for (const [path, where] of targets) {
  if (!path.includes('*') && !present.has(path))
    problems.push(`${path}: named by package.json ${where}, not in the tarball`);
}

const dist = files.filter((path) => path.startsWith('dist/'));
console.log(
  `${pack.filename}: ${files.length} files (${dist.filter((p) => p.endsWith('.d.ts')).length} .d.ts, ` +
    `${dist.filter((p) => p.endsWith('.js')).length} .js in dist/; ${files.filter((p) => !p.startsWith('dist/')).join(', ')}), ` +
    `${(pack.size / 1024).toFixed(1)} kB packed, ${(pack.unpackedSize / 1024).toFixed(1)} kB unpacked; ` +
    `${targets.size} package.json targets present`,
);
if (problems.length > 0) {
  console.error(`pack contents: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('pack contents: ok');
