// The layering of lib/, checked by `npm run lint` (depcruise). docs/how-it-works.md describes the
// folders; these rules keep the description true.
const TOOLING = '^lib/(cli|import|typeorm/migrations)/';
const FRAMEWORKS = '(@nestjs|express|fastify|typeorm|cache-manager|keyv|@keyv|redis|@redis|ioredis)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes the two sides impossible to understand (or load) one without the other.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'runtime-never-imports-tooling',
      comment:
        'The command line, the import and the migrations sit behind their own subpaths: an app that ' +
        'imports the root barrel must not load them.',
      severity: 'error',
      from: { path: '^lib/', pathNot: TOOLING },
      to: { path: TOOLING },
    },
    {
      name: 'domain-is-framework-free',
      comment:
        'The session rules, their ports and the helpers (lib/session/, lib/util/) must not depend on Nest, an HTTP ' +
        'framework, TypeORM or a cache client: those are adapters around them.',
      severity: 'error',
      from: { path: '^lib/(session|util)/' },
      to: {
        dependencyTypes: ['npm', 'npm-peer', 'npm-optional', 'npm-dev', 'npm-no-pkg'],
        path: `node_modules/${FRAMEWORKS}/`,
      },
    },
    {
      name: 'session-rules-stand-alone',
      comment:
        'The session rules reach the HTTP layer, the database and the cache only through the ports ' +
        'they declare (SessionStore, SessionCache, RevocationLedger): never the adapters themselves.',
      severity: 'error',
      from: { path: '^lib/session/' },
      to: { path: '^lib/', pathNot: '^lib/(session|util|events|options)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
