import { QSessionsCommandError } from '../cli/command-error.js';

// Letters, digits, `_` and `$`, not starting with a digit, at most 63 characters (PostgreSQL's
// limit, the shortest of the databases TypeORM serves): every name TypeORM gives an entity's
// table fits, and none can close a quoted identifier or start another statement.
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/**
 * `name` when it is a plain SQL identifier; else a usage error (exit 2) naming the option. The
 * table and schema names of the import come from the command line and are written into SQL that
 * TypeORM does not escape (its `escape()` wraps a name in quotes without doubling quotes inside
 * it, and its catalogue queries interpolate names as string literals): only names that need no
 * escaping at all are accepted.
 */
export function plainSqlIdentifier(name: string, what: 'table' | 'schema'): string {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new QSessionsCommandError(
      `The ${what} name ${JSON.stringify(name)} is not a plain SQL identifier: use letters, digits, _ and $ only ` +
        `(not starting with a digit, at most 63 characters), as in the ${what} of your connect-typeorm Session entity.`,
      2,
    );
  }
  return name;
}
