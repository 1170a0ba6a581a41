import type { Driver } from 'typeorm';

/**
 * A table path as TypeORM's metadata gives it (`qsessions_session`, or schema-qualified
 * `auth.qsessions_session`), quoted part by part with the driver's own quoting, as TypeORM
 * does, ready to write into SQL.
 */
export function quotedTablePath(driver: Driver, tablePath: string): string {
  return tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
}
