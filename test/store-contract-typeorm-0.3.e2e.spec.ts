import { jest } from '@jest/globals';

// The store's contract under TypeORM 0.3, the other line of the peer range: the devDependency
// `typeorm03` (npm:typeorm@0.3.x) stands in for `typeorm` for every module this file loads, the
// library's included, so no network is needed at test time.

// A name in a variable: the type checker need not find the package to compile this file.
const TYPEORM_03 = 'typeorm03';
const typeorm03 = (await import(TYPEORM_03).catch((error: unknown) => {
  throw new Error(`The devDependency ${TYPEORM_03} (TypeORM 0.3) is missing: run \`npm install\`.`, { cause: error });
})) as typeof import('typeorm');
jest.unstable_mockModule('typeorm', () => typeorm03);

const typeorm = await import('typeorm');
const { describeStoreContract, installedVersion } = await import('./support/store-contract.js');
const version = installedVersion(TYPEORM_03);

it(`runs under TypeORM 0.3 (${version}) in place of the installed typeorm`, () => {
  expect(version).toMatch(/^0\.3\./);
  expect(typeorm.DataSource).toBe(typeorm03.DataSource);
});

describeStoreContract(version);
