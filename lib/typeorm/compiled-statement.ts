import type { ObjectLiteral, QueryBuilder } from 'typeorm';

/**
 * A statement text written by TypeORM's query builder, kept to be run many times: which argument
 * goes to each placeholder is recorded once, so a run only reorders its arguments.
 */
export interface CompiledStatement {
  /** The SQL, with the driver's own quoting and placeholders (`$1`, `?`). */
  readonly sql: string;
  /** For each placeholder, in the order the driver takes the values, the index of its argument. */
  readonly slots: readonly number[];
}

const SLOT_MARKER = 'qsessions-argument-';

/**
 * The value to give a named parameter of a query builder that {@link compileStatement} turns
 * into "argument `index`". A string, because drivers pass strings through untouched (SQLite's
 * writes a number parameter into the text itself).
 */
export function argument(index: number): string {
  return `${SLOT_MARKER}${index}`;
}

/**
 * Asks the query builder for its text and parameters once and records, for each placeholder,
 * which argument (given as {@link argument}) it takes. The driver may repeat or reorder named
 * parameters (`?` placeholders repeat a value used twice, `$n` ones reuse it), so the order is
 * read back rather than assumed.
 */
export function compileStatement(builder: QueryBuilder<ObjectLiteral>): CompiledStatement {
  const [sql, markers] = builder.getQueryAndParameters();
  const slots = markers.map((marker: unknown) => {
    if (typeof marker !== 'string' || !marker.startsWith(SLOT_MARKER)) {
      throw new Error(`nest-qsessions: a session statement has a parameter that is not an argument: ${sql}`);
    }
    return Number(marker.slice(SLOT_MARKER.length));
  });
  return { sql, slots };
}

/** The statement's parameters, in placeholder order, from its arguments. */
export function bindArguments(statement: CompiledStatement, args: readonly unknown[]): unknown[] {
  const { slots } = statement;
  const parameters = new Array<unknown>(slots.length);
  for (let index = 0; index < slots.length; index++) parameters[index] = args[slots[index]!];
  return parameters;
}
