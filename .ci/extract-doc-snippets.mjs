#!/usr/bin/env node
// Usage: node .ci/extract-doc-snippets.mjs <outDir>
//
// Writes every TypeScript block of README.md and docs/*.md as a standalone module, so that a
// consumer app can compile them all (strict, declaration: true, ESM and CommonJS):
//
//   - a block is TypeScript when its fence's language is `ts` or `typescript`; its n-th such
//     block (from 1) becomes <outDir>/<file>-<n>.ts, <file> being the Markdown file's name in
//     lower case without `.md` (README.md -> readme-1.ts, docs/configuration.md ->
//     configuration-1.ts);
//   - every block must therefore be a complete module: its own imports, no `...` placeholders,
//     no top-level await and no import.meta (the CommonJS app compiles them too), no undeclared
//     names. Relative imports (`./user.entity.js`) name the support files of .ci/doc-snippets/,
//     which are copied into <outDir> beside the blocks;
//   - a block that must not be compiled says so after its language: ```ts no-compile. It is
//     counted and reported, never written. (Keep these to none: a snippet that is not compiled
//     is a snippet that can rot.) Blocks of other languages (sh, bash, text, cron...) are
//     not TypeScript and are ignored.
//
// Prints how many blocks it wrote. Exits 1 when a Markdown file is missing, when a block uses
// import.meta, or when no TypeScript block is found at all. No dependencies: plain Node.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const supportDir = join(root, '.ci', 'doc-snippets');
const TYPESCRIPT = new Set(['ts', 'typescript']);
const SKIP_FLAG = 'no-compile';

function fail(message) {
  console.error(`extract-doc-snippets: ${message}`);
  process.exit(1);
}

/** The Markdown files whose blocks are extracted: README.md, then docs/*.md by name. */
function markdownFiles() {
  const readme = join(root, 'README.md');
  if (!existsSync(readme)) fail(`${readme} is missing.`);
  const docs = join(root, 'docs');
  const pages = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => join(docs, name))
    : [];
  return [readme, ...pages];
}

/**
 * The fenced code blocks of a Markdown text (``` or ~~~, at any indentation, as inside list
 * items): { info, line, code }, with the opening fence's indentation removed from each line.
 */
function fencedBlocks(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open || (open[2][0] === '`' && open[3].includes('`'))) continue;
    const [, indent, fence, info] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]); j++) {
      const line = lines[j];
      const own = /^\s*/.exec(line)[0].length;
      body.push(line.slice(Math.min(own, indent.length)));
    }
    blocks.push({ info: info.trim(), line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const outArg = process.argv[2];
if (!outArg) fail('usage: node .ci/extract-doc-snippets.mjs <outDir>');
const outDir = resolve(outArg);
mkdirSync(outDir, { recursive: true });

const written = [];
const skipped = [];
const seen = new Map();
for (const file of markdownFiles()) {
  const name = basename(file, '.md')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const where = relative(root, file);
  if (seen.has(name)) fail(`${where} and ${seen.get(name)} would both write ${name}-<n>.ts; rename one.`);
  seen.set(name, where);
  let n = 0;
  for (const block of fencedBlocks(readFileSync(file, 'utf8'))) {
    const [language = '', ...flags] = block.info.split(/\s+/);
    if (!TYPESCRIPT.has(language.toLowerCase())) continue;
    if (flags.includes(SKIP_FLAG)) {
      skipped.push(`${where}:${block.line}`);
      continue;
    }
    if (/\bimport\.meta\b/.test(block.code)) {
      fail(`${where}:${block.line}: import.meta does not compile in a CommonJS app; write the block without it.`);
    }
    n += 1;
    const target = join(outDir, `${name}-${n}.ts`);
    writeFileSync(target, `// ${where}, block ${n} (line ${block.line})\n${block.code}\n`);
    written.push(target);
  }
}
if (written.length === 0) fail('no ```ts block found in README.md or docs/*.md.');

const support = existsSync(supportDir) ? readdirSync(supportDir).filter((file) => file.endsWith('.ts')) : [];
for (const file of support) copyFileSync(join(supportDir, file), join(outDir, file));

console.log(
  `Wrote ${written.length} TypeScript blocks and ${support.length} support files to ${outDir}` +
    (skipped.length > 0 ? `; not compiled (${SKIP_FLAG}): ${skipped.join(', ')}` : '') +
    '.',
);
