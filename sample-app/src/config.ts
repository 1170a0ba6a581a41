import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GeoIpOptions, QSessionsEngine, SessionLimitPolicy, TrustProxyOption } from 'nest-qsessions';

/** Where the sample app keeps its users and sessions. */
export type SampleDatabase = { kind: 'sqlite'; path: string } | { kind: 'postgres' | 'mariadb'; url: string };

/** Everything the sample app reads from its environment, checked once at start-up. */
export interface SampleConfig {
  database: SampleDatabase;
  /** Drop and recreate the tables at start-up (SAMPLE_RESET=1): a clean demo, and clean tests. */
  reset: boolean;
  engine: QSessionsEngine;
  /** Redis for the `cached_db` engine's cache; null = the library's in-memory cache (or the cluster below). */
  redisUrl: string | null;
  /** A Redis Cluster's nodes (`host:port`) for the cache instead (SAMPLE_REDIS_CLUSTER); null: none. */
  redisCluster: string[] | null;
  /** The cache's key prefix (SAMPLE_CACHE_PREFIX); null: the library's default. Apps sharing one Redis need their own. */
  cachePrefix: string | null;
  /** What QSessionsModule's `geoip` option gets; false = no GeoIP ("Unknown location"). */
  geoip: GeoIpOptions | false;
  trustProxy: TrustProxyOption;
  host: string;
  port: number;
  /** Signs visitors' CSRF cookies (SAMPLE_CSRF_SECRET); null: a random secret per start. */
  csrfSecret: string | null;
  /** Most sessions per user (SAMPLE_MAX_SESSIONS, default 5); null: no limit (`none`). */
  maxSessionsPerUser: number | null;
  /** What a sign-in at that limit does (SAMPLE_ON_SESSION_LIMIT). */
  onSessionLimit: SessionLimitPolicy;
  /** Where new-sign-in alerts go (SAMPLE_SMTP_URL); null: the development outbox (/outbox and the console). */
  smtpUrl: string | null;
  /**
   * The app's public address, which the links of e-mails point at (SAMPLE_PUBLIC_URL, e.g.
   * https://demo.example.com), without a trailing slash; null: the address the app listens on.
   */
  publicUrl: string | null;
  /** Serve the metrics at `/metrics` for Prometheus (SAMPLE_METRICS=1); off by default. */
  metrics: boolean;
}

/** One or more bad environment variables; the message lists each one and how to fix it. */
export class SampleConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`sample app: invalid environment:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SampleConfigError';
  }
}

/** The embedded default: sample-app/sample.db, wherever the command is started from. */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL('../sample.db', import.meta.url));

/** The database each SAMPLE_DB uses when SAMPLE_DB_URL is not set (the local services). */
export const DEFAULT_DATABASE_URLS = {
  postgres: 'postgres://postgres@127.0.0.1:5432/qsessions_sample',
  mariadb: 'mysql://root@127.0.0.1:3306/qsessions_sample',
} as const;

const DATABASE_KINDS = ['sqlite', 'postgres', 'mariadb'] as const;

/**
 * Reads the sample app's settings:
 *
 * | variable             | default                                  |
 * | -------------------- | ---------------------------------------- |
 * | `SAMPLE_DB`          | `sqlite` (or guessed from SAMPLE_DB_URL) |
 * | `SAMPLE_DB_URL`      | see {@link DEFAULT_DATABASE_URLS}        |
 * | `SAMPLE_SQLITE_PATH` | `sample-app/sample.db` (`:memory:` ok)   |
 * | `SAMPLE_RESET`       | off; `1` drops the tables at start-up    |
 * | `SAMPLE_ENGINE`      | `cached_db`                              |
 * | `SAMPLE_REDIS_URL`   | none: in-memory cache                    |
 * | `SAMPLE_REDIS_CLUSTER` | none; `host:port,host:port` of a Redis Cluster |
 * | `SAMPLE_CACHE_PREFIX` | the library's (`qsessions:`)               |
 * | `GEOIP_PATH`         | none: "Unknown location"                 |
 * | `SAMPLE_TRUST_PROXY` | off: the socket address is the client    |
 * | `HOST`, `PORT`       | `127.0.0.1`, `3000`                      |
 * | `SAMPLE_CSRF_SECRET` | random per start (32+ characters)        |
 * | `SAMPLE_MAX_SESSIONS` | `5` sessions per user (`none`: no limit) |
 * | `SAMPLE_ON_SESSION_LIMIT` | `evict-least-recent` (or `evict-oldest`, `refuse`) |
 * | `SAMPLE_SMTP_URL`    | none: e-mails go to the outbox (/outbox)  |
 * | `SAMPLE_PUBLIC_URL`  | the address the app listens on            |
 * | `SAMPLE_METRICS`     | off; `1` serves Prometheus metrics at `/metrics` |
 */
export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const database = readDatabase(read, problems);

  const engine = read('SAMPLE_ENGINE') ?? 'cached_db';
  if (engine !== 'db' && engine !== 'cached_db') {
    problems.push(`SAMPLE_ENGINE must be "db" or "cached_db", not ${JSON.stringify(engine)}.`);
  }

  const redisUrl = read('SAMPLE_REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`SAMPLE_REDIS_URL must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379.`);
  }
  if (redisUrl !== null && engine === 'db') {
    problems.push('SAMPLE_REDIS_URL needs SAMPLE_ENGINE=cached_db (the `db` engine uses no cache).');
  }
  const redisCluster = read('SAMPLE_REDIS_CLUSTER')?.split(',') ?? null;
  if (redisCluster !== null && (redisUrl !== null || engine === 'db')) {
    problems.push('SAMPLE_REDIS_CLUSTER needs SAMPLE_ENGINE=cached_db and no SAMPLE_REDIS_URL.');
  }

  const portText = read('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`PORT must be a port number (0 picks a free one), not ${JSON.stringify(portText)}.`);
  }

  const reset = readSwitch(read, 'SAMPLE_RESET', problems);
  const metrics = readSwitch(read, 'SAMPLE_METRICS', problems);

  const csrfSecret = read('SAMPLE_CSRF_SECRET') ?? null;
  if (csrfSecret !== null && csrfSecret.length < 32) {
    problems.push('SAMPLE_CSRF_SECRET must be at least 32 characters (or left out for a random one per start).');
  }

  const limit = readSessionLimit(read, problems);
  const mail = readMail(read, problems);

  if (problems.length > 0) throw new SampleConfigError(problems);
  return {
    ...limit,
    ...mail,
    database: database!,
    reset,
    metrics,
    engine: engine as QSessionsEngine,
    redisUrl,
    redisCluster,
    cachePrefix: read('SAMPLE_CACHE_PREFIX') ?? null,
    geoip: geoIpOptions(read('GEOIP_PATH')),
    trustProxy: parseTrustProxy(read('SAMPLE_TRUST_PROXY')),
    host: read('HOST') ?? '127.0.0.1',
    port,
    csrfSecret,
  };
}

/** An on/off variable: `1` or `true` is on; `0`, `false` or unset is off. */
function readSwitch(read: (name: string) => string | undefined, name: string, problems: string[]): boolean {
  const value = read(name);
  if (value !== undefined && !['0', '1', 'true', 'false'].includes(value)) {
    problems.push(`${name} must be 1 or 0, not ${JSON.stringify(value)}.`);
  }
  return value === '1' || value === 'true';
}

/** How many sessions a user may have at once unless SAMPLE_MAX_SESSIONS says otherwise. */
export const DEFAULT_MAX_SESSIONS = 5;

const LIMIT_POLICIES: readonly SessionLimitPolicy[] = ['evict-least-recent', 'evict-oldest', 'refuse'];

function readSessionLimit(
  read: (name: string) => string | undefined,
  problems: string[],
): Pick<SampleConfig, 'maxSessionsPerUser' | 'onSessionLimit'> {
  const maxText = read('SAMPLE_MAX_SESSIONS') ?? String(DEFAULT_MAX_SESSIONS);
  if (maxText !== 'none' && !/^[1-9]\d*$/.test(maxText)) {
    problems.push(
      `SAMPLE_MAX_SESSIONS must be a whole number of at least 1 (or none for no limit), not ${JSON.stringify(maxText)}.`,
    );
  }
  const policy = read('SAMPLE_ON_SESSION_LIMIT') ?? 'evict-least-recent';
  if (!(LIMIT_POLICIES as readonly string[]).includes(policy)) {
    problems.push(
      `SAMPLE_ON_SESSION_LIMIT must be one of ${LIMIT_POLICIES.join(', ')}, not ${JSON.stringify(policy)}.`,
    );
  }
  return {
    maxSessionsPerUser: maxText === 'none' ? null : Number(maxText),
    onSessionLimit: policy as SessionLimitPolicy,
  };
}

function readMail(
  read: (name: string) => string | undefined,
  problems: string[],
): Pick<SampleConfig, 'smtpUrl' | 'publicUrl'> {
  const smtpUrl = read('SAMPLE_SMTP_URL') ?? null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^/?#\s]+/i.test(smtpUrl)) {
    problems.push('SAMPLE_SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://127.0.0.1:2525.');
  }
  const publicText = read('SAMPLE_PUBLIC_URL');
  const publicUrl = publicText === undefined ? null : originOf(publicText);
  if (publicUrl === undefined) {
    problems.push(
      `SAMPLE_PUBLIC_URL must be the http:// or https:// address of the app, such as https://demo.example.com, not ${JSON.stringify(publicText)}.`,
    );
  }
  return { smtpUrl, publicUrl: publicUrl ?? null };
}

/** `https://host[:port][/path]` without its trailing slash, or undefined for anything else. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
      return undefined;
    }
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function readDatabase(read: (name: string) => string | undefined, problems: string[]): SampleDatabase | undefined {
  const url = read('SAMPLE_DB_URL');
  const kind = read('SAMPLE_DB')?.toLowerCase() ?? (url ? kindOfUrl(url) : 'sqlite');
  if (kind === undefined || !(DATABASE_KINDS as readonly string[]).includes(kind)) {
    problems.push(
      kind === undefined
        ? 'SAMPLE_DB_URL must start with postgres://, postgresql://, mysql:// or mariadb:// (or set SAMPLE_DB).'
        : `SAMPLE_DB must be one of ${DATABASE_KINDS.join(', ')}, not ${JSON.stringify(kind)}.`,
    );
    return undefined;
  }
  if (kind === 'sqlite') {
    if (url) problems.push('SAMPLE_DB_URL is for postgres and mariadb; for SQLite set SAMPLE_SQLITE_PATH.');
    const path = read('SAMPLE_SQLITE_PATH') ?? DEFAULT_SQLITE_PATH;
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  const server = kind as 'postgres' | 'mariadb';
  const chosen = url ?? DEFAULT_DATABASE_URLS[server];
  if (url && kindOfUrl(url) !== server) {
    problems.push(`SAMPLE_DB=${server} does not match SAMPLE_DB_URL ${redactUrl(url)}.`);
  }
  return { kind: server, url: chosen };
}

function kindOfUrl(url: string): 'postgres' | 'mariadb' | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres';
  if (/^(mysql|mariadb):\/\//i.test(url)) return 'mariadb';
  return undefined;
}

/** `true`, `false`, a hop count, or what Express's `trust proxy` takes (`loopback`, subnets, ...). */
export function parseTrustProxy(value: string | undefined): TrustProxyOption {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

// File names tried first in a GeoIP folder: what MaxMind's downloads are called.
const CITY_NAMES = ['GeoLite2-City.mmdb', 'GeoIP2-City.mmdb'];
const COUNTRY_NAMES = ['GeoLite2-Country.mmdb', 'GeoIP2-Country.mmdb'];

/**
 * The `geoip` option for GEOIP_PATH. A folder may hold MaxMind's files under their usual names
 * or any `*City*.mmdb` / `*Country*.mmdb` (such as MaxMind's test databases); a path ending in
 * `.mmdb` is one database. A folder with neither is passed on as is: the library says once
 * what is missing, and locations are unknown.
 */
export function geoIpOptions(path: string | undefined): GeoIpOptions | false {
  if (path === undefined) return false;
  const folder = resolve(path);
  if (folder.toLowerCase().endsWith('.mmdb') || !existsSync(folder) || !statSync(folder).isDirectory()) {
    return { path: folder };
  }
  const files = readdirSync(folder)
    .filter((name) => name.toLowerCase().endsWith('.mmdb'))
    .sort();
  const pick = (preferred: string[], word: string): string | undefined =>
    preferred.find((name) => files.includes(name)) ?? files.find((name) => name.includes(word));
  const city = pick(CITY_NAMES, 'City');
  const country = pick(COUNTRY_NAMES, 'Country');
  if (city && country) return { cityPath: join(folder, city), countryPath: join(folder, country) };
  if (city ?? country) return { path: join(folder, (city ?? country)!) };
  return { path: folder };
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** One line saying where the data is, for the start-up banner. */
export function describeDatabase(config: SampleConfig): string {
  const where =
    config.database.kind === 'sqlite'
      ? `SQLite ${config.database.path === ':memory:' ? '(in memory)' : config.database.path}`
      : `${config.database.kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'} ${redactUrl(config.database.url)}`;
  const cache =
    config.engine === 'db'
      ? 'no cache'
      : config.redisUrl
        ? `Redis ${redactUrl(config.redisUrl)}`
        : config.redisCluster
          ? `Redis Cluster ${config.redisCluster.join(', ')}`
          : 'in-memory cache';
  return `${where}, engine ${config.engine} (${cache})`;
}

/** One line saying which GeoIP databases are used, for the start-up banner. */
export function describeGeoIp(config: SampleConfig): string {
  const geoip = config.geoip;
  if (geoip === false) return 'off (set GEOIP_PATH to a folder of MaxMind .mmdb files to show locations)';
  return [geoip.cityPath, geoip.countryPath, geoip.path].filter(Boolean).join(' + ');
}

/** One line saying where e-mail goes, for the start-up banner (`outbox`: the outbox page's address). */
export function describeMail(config: SampleConfig, outbox: string): string {
  if (config.smtpUrl === null) return `not sent: printed here and kept at ${outbox} (set SAMPLE_SMTP_URL to send)`;
  const links = config.publicUrl ? `, links to ${config.publicUrl}` : '';
  return `SMTP ${redactUrl(config.smtpUrl)}${links}`;
}
