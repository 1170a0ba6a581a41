import { QSESSIONS_DEFAULTS as DEFAULTS, type QSessionsModuleOptions } from '../qsessions.options.js';
import { isOptionalBoolean, isWholeNumberFrom } from './option-values.js';
import type { ResolvedQSessionsOptions } from './resolved-options.js';

/** Where sessions are kept: `engine` and `dataSource`, validated, the engine defaulted. */
export function resolveStorage(
  input: QSessionsModuleOptions,
  problems: string[],
): Pick<ResolvedQSessionsOptions, 'engine' | 'dataSource'> {
  const engine = input.engine ?? DEFAULTS.engine;
  if (engine !== 'db' && engine !== 'cached_db') {
    problems.push(`\`engine\` must be 'db' or 'cached_db', not ${JSON.stringify(engine)}.`);
  }
  if (input.dataSource !== undefined && (typeof input.dataSource !== 'string' || input.dataSource === '')) {
    problems.push(
      '`dataSource` must be the name of a TypeORM DataSource (a non-empty string), or left out for the default one.',
    );
  }
  return { engine, dataSource: input.dataSource };
}

/** What is saved and when: the size limit, the user of a session and the on/off switches (Client Hints among them). */
export function resolveSaving(
  input: QSessionsModuleOptions,
  problems: string[],
): Pick<
  ResolvedQSessionsOptions,
  'saveEveryRequest' | 'userIdFromSession' | 'maxDataBytes' | 'mountMiddleware' | 'storeAnonymous' | 'clientHints'
> {
  const maxDataBytes = input.maxDataBytes ?? DEFAULTS.maxDataBytes;
  if (!isWholeNumberFrom(maxDataBytes, 2)) {
    problems.push('`maxDataBytes` must be a whole number of bytes (at least 2).');
  }
  if (input.userIdFromSession !== undefined && typeof input.userIdFromSession !== 'function') {
    problems.push('`userIdFromSession` must be a function (data) => userId.');
  }
  for (const flag of ['saveEveryRequest', 'mountMiddleware', 'storeAnonymous', 'clientHints'] as const) {
    if (!isOptionalBoolean(input[flag])) problems.push(`\`${flag}\` must be true or false.`);
  }
  return {
    saveEveryRequest: input.saveEveryRequest ?? DEFAULTS.saveEveryRequest,
    userIdFromSession: input.userIdFromSession ?? DEFAULTS.userIdFromSession,
    maxDataBytes,
    mountMiddleware: input.mountMiddleware ?? DEFAULTS.mountMiddleware,
    storeAnonymous: input.storeAnonymous ?? DEFAULTS.storeAnonymous,
    clientHints: input.clientHints ?? DEFAULTS.clientHints,
  };
}
