// Prints the size of lib/ the way issue 18 measures it: lines of the runtime part (without the
// tooling behind the cli/import/migrations subpaths) and the functions over 60 lines or with a
// cyclomatic complexity over 15, through ESLint's own `complexity` and `max-lines-per-function`.
// `--check` exits 1 when any function is over either limit (for CI once the restructure is done).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(import.meta.dirname, '..');
const LIB = join(ROOT, 'lib');
const TOOLING = ['cli', 'import', join('typeorm', 'migrations')].map((folder) => join(LIB, folder) + '/');
const MAX_LINES = 60;
const MAX_COMPLEXITY = 15;

function sourceFiles(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(LIB);
const lines = (path) => readFileSync(path, 'utf8').split('\n').length;

/** Lines that are neither blank nor comment (what cloc calls code). */
function codeLines(path) {
  let count = 0;
  let inBlockComment = false;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (inBlockComment) {
      inBlockComment = !line.includes('*/');
      continue;
    }
    if (line === '' || line.startsWith('//')) continue;
    if (line.startsWith('/*')) {
      inBlockComment = !line.includes('*/');
      continue;
    }
    count++;
  }
  return count;
}
const runtime = files.filter((path) => !TOOLING.some((folder) => path.startsWith(folder)));
const runtimeLines = runtime.reduce((sum, path) => sum + lines(path), 0);
const allLines = files.reduce((sum, path) => sum + lines(path), 0);
const runtimeCode = runtime.reduce((sum, path) => sum + codeLines(path), 0);

const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    rules: {
      complexity: ['warn', MAX_COMPLEXITY],
      'max-lines-per-function': ['warn', { max: MAX_LINES, skipBlankLines: true, skipComments: true }],
    },
  },
});
const results = await eslint.lintFiles(files);
const over = results.flatMap((result) =>
  result.messages
    .filter((message) => message.ruleId === 'complexity' || message.ruleId === 'max-lines-per-function')
    .map((message) => `${relative(ROOT, result.filePath)}:${message.line}  ${message.message}`),
);

console.log(
  `lib/: ${files.length} files, ${allLines} lines; runtime (without cli/, import/, typeorm/migrations/): ${runtime.length} files, ${runtimeLines} lines, ${runtimeCode} of them code (not blank, not comment)`,
);
console.log(`functions over ${MAX_LINES} lines or complexity ${MAX_COMPLEXITY}: ${over.length}`);
for (const line of over) console.log(`  ${line}`);
if (process.argv.includes('--check') && over.length > 0) process.exit(1);
