// Prints "N passed, N failed" over every Jest --json result file given (missing file = failed
// run), plus checks that are not Jest runs, given as check:<name>:<exit status> (one each).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const check = /^check:([^:]+):(\d+)$/.exec(file);
  if (check) {
    if (check[2] === '0') passed += 1;
    else {
      console.error(`check ${check[1]} failed (exit status ${check[2]})`);
      failed += 1;
    }
    continue;
  }
  if (!existsSync(file)) {
    console.error(`no Jest result at ${file}`);
    reportLogTail(file.replace(/\.json$/, '.log'));
    failed += 1;
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  // A suite that failed to run (syntax error, failed hook) has no failed tests: count it.
  failed += result.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.every((a) => a.status !== 'failed'),
  ).length;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

/** Jest ended without writing its result (killed, crashed): the end of its output says why. */
function reportLogTail(log) {
  if (!existsSync(log)) return;
  const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
  console.error(`the last lines of ${log}:`);
  for (const line of lines.slice(-40)) console.error(`  ${line}`);
}
