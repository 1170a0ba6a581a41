// Jest runs in native ESM mode (NODE_OPTIONS=--experimental-vm-modules, set by the npm scripts)
// because NestJS 12 and TypeORM 1.x are ESM-only. @swc/jest compiles TypeScript with the legacy
// decorators and decorator metadata that Nest's dependency injection and TypeORM rely on.
//
// The browser tests (test/browser) drive a real Chromium (/usr/bin/chromium). They are collected
// only when QSESSIONS_TEST_BROWSER=1, so that `npm test` passes on a machine without a browser:
//   QSESSIONS_TEST_BROWSER=1 npm test -- test/browser      (or: npm run test:browser)
const browserTests = process.env.QSESSIONS_TEST_BROWSER === '1';

/** What both projects share: how TypeScript is compiled and how the package's names resolve. */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The sample app imports the library by its package name, as a user's app would.
    '^nest-qsessions$': '<rootDir>/lib/index.ts',
    '^nest-qsessions/cli$': '<rootDir>/lib/cli/index.ts',
    '^nest-qsessions/health$': '<rootDir>/lib/health/index.ts',
    '^nest-qsessions/import$': '<rootDir>/lib/import/index.ts',
    '^nest-qsessions/migrations$': '<rootDir>/lib/typeorm/migrations/index.ts',
    // Mercurius loads @fastify/static with require(), which requires content-disposition 3, an
    // ES module: Jest cannot require() an ES module before Node 24.9 (Node itself can). Version 2,
    // the one Express installs at the top of node_modules, is CommonJS with the same API
    // (`create`, `parse`) and stands in for it in the tests.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition/dist/index.js',
    // Source files import each other with the `.js` suffix that NodeNext requires.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2023',
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
};

/**
 * Two projects: the library's own tests (test/), and the benchmark's (bench/test/: its option
 * parsing, statistics and report), which test the measuring tool rather than the library.
 * `npm test` runs both; `npm test -- --selectProjects library` runs one.
 * @type {import('jest').Config}
 */
export default {
  projects: [
    {
      ...shared,
      displayName: 'library',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...(browserTests ? [] : ['<rootDir>/test/browser/'])],
    },
    { ...shared, displayName: 'bench', testMatch: ['<rootDir>/bench/test/**/*.spec.ts'] },
  ],
  collectCoverageFrom: ['lib/**/*.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  testTimeout: 30000,
};
