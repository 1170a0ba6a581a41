import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { GeoIpLocator } from '../../geoip/geoip-locator.js';
import { TypeOrmRevokeLinks } from '../../history/typeorm-revoke-links.js';
import { TypeOrmSessionHistory } from '../../history/typeorm-session-history.js';
import { resolveGeoIp } from '../../options/resolve-geoip.js';
import { QSessionHistoryEntry } from '../../typeorm/qsession-history.entity.js';
import { QSessionRevokeLink } from '../../typeorm/qsession-revoke-link.entity.js';
import { QSessionsCommandError } from '../command-error.js';

/** The sign-in history as `clear-expired` keeps it: expiries recorded, old entries and links pruned. */
export interface CommandHistory {
  entries: TypeOrmSessionHistory;
  /** Deletes entries older than the retention and expired revoke links. */
  prune(): Promise<void>;
  close(): void;
}

const MAX_RETAIN_DAYS = 3650;

/** The history over `dataSource`, once sure it knows the history's entities and the retention is a number of days. */
export function openCommandHistory(dataSource: DataSource, retainDays: number): CommandHistory {
  if (!Number.isSafeInteger(retainDays) || retainDays < 1 || retainDays > MAX_RETAIN_DAYS) {
    throw new QSessionsCommandError(
      `The history retention must be a whole number of days from 1 to ${MAX_RETAIN_DAYS}; got ${String(retainDays)}.`,
      2,
    );
  }
  if (!dataSource.hasMetadata(QSessionHistoryEntry) || !dataSource.hasMetadata(QSessionRevokeLink)) {
    throw new QSessionsCommandError(
      'The data source does not list the history entities: add QSessionHistoryEntry and QSessionRevokeLink ' +
        "(from 'nest-qsessions') to its `entities` next to QSession.",
    );
  }
  const problems: string[] = [];
  // The databases of GEOIP_PATH, as the app reads them when `geoip` is left out.
  const geoipOptions = resolveGeoIp(undefined, problems);
  const logger = new Logger('qsessions clear-expired');
  const geoip = new GeoIpLocator(problems.length > 0 ? { cityPath: null, countryPath: null } : geoipOptions, logger);
  const entries = new TypeOrmSessionHistory(dataSource, geoip, retainDays, Date.now, logger);
  const links = new TypeOrmRevokeLinks(dataSource, Date.now);
  return {
    entries,
    async prune() {
      await entries.prune();
      await links.prune();
    },
    close: () => geoip.close(),
  };
}
