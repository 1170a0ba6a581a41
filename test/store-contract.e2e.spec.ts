import { describeStoreContract, installedVersion } from './support/store-contract.js';

// The store's contract under the TypeORM the project installs as `typeorm` (the 1.x line);
// store-contract-typeorm-0.3.e2e.spec.ts runs the same under the 0.3 line.

const version = installedVersion('typeorm');

it(`runs under TypeORM 1.x (${version})`, () => {
  expect(version).toMatch(/^1\./);
});

describeStoreContract(version);
