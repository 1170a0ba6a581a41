// Module resolution hooks (Node's module.register) that append every file URL the ES module
// loader resolves to the file named by QSESSIONS_LOAD_LOG, so a test can see which of the
// package's modules an import really loads. The hooks run on a loader thread: a file is the
// simplest way out.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(process.env.QSESSIONS_LOAD_LOG, `${result.url}\n`);
  return result;
}
