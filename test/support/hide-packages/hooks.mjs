// Module resolution hooks that make the packages named in QSESSIONS_HIDDEN_PACKAGES (comma
// separated) unresolvable, with the very error Node gives for a package that is not installed,
// so that a test can see what an app without an optional peer is told.
const hidden = new Set((process.env.QSESSIONS_HIDDEN_PACKAGES ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, nextResolve) {
  const packageName = specifier.startsWith('@') ? specifier.split('/', 2).join('/') : specifier.split('/')[0];
  if (hidden.has(packageName)) {
    const error = new Error(`Cannot find package '${packageName}' imported from ${context.parentURL}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
}
