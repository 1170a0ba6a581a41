// The variants of the HTTP benchmark: one NestJS app (Express adapter) per variant, each in its
// own process. Shared by the orchestrator (what to start, which services it needs) and the app
// (what to build).

export type ServiceName = 'postgres' | 'redis';

interface VariantBase {
  readonly name: string;
  /** One line for the results file. */
  readonly description: string;
  /** Services the variant's process talks to. */
  readonly needs: readonly ServiceName[];
}

export interface NoSessionVariant extends VariantBase {
  readonly family: 'none';
}

export interface ExpressSessionVariant extends VariantBase {
  readonly family: 'express-session';
  readonly store: 'memory' | 'redis' | 'pg-simple' | 'typeorm';
}

export interface QSessionsVariant extends VariantBase {
  readonly family: 'qsessions';
  readonly engine: 'db' | 'cached_db';
  readonly database: 'postgres' | 'sqlite';
  /** Cache of the `cached_db` engine. */
  readonly cache?: 'memory' | 'redis';
}

export type Variant = NoSessionVariant | ExpressSessionVariant | QSessionsVariant;

/** In the order of the first round (later rounds rotate it). */
export const VARIANTS: readonly Variant[] = [
  { name: 'none', family: 'none', needs: [], description: 'no session middleware: the ceiling' },
  {
    name: 'session-memory',
    family: 'express-session',
    store: 'memory',
    needs: [],
    description: 'express-session 1.19 + its MemoryStore',
  },
  {
    name: 'connect-redis',
    family: 'express-session',
    store: 'redis',
    needs: ['redis'],
    description: 'express-session 1.19 + connect-redis 9 (redis 5 client)',
  },
  {
    name: 'connect-pg-simple',
    family: 'express-session',
    store: 'pg-simple',
    needs: ['postgres'],
    description: 'express-session 1.19 + connect-pg-simple 10 (PostgreSQL, createTableIfMissing)',
  },
  {
    name: 'connect-typeorm',
    family: 'express-session',
    store: 'typeorm',
    needs: ['postgres'],
    description: 'express-session 1.19 + connect-typeorm 2 on TypeORM 1.1 (PostgreSQL)',
  },
  {
    name: 'qsessions-db-pg',
    family: 'qsessions',
    engine: 'db',
    database: 'postgres',
    needs: ['postgres'],
    description: 'nest-qsessions `db` engine on PostgreSQL',
  },
  {
    name: 'qsessions-db-sqlite',
    family: 'qsessions',
    engine: 'db',
    database: 'sqlite',
    needs: [],
    description: 'nest-qsessions `db` engine on SQLite (better-sqlite3, file in a temp dir)',
  },
  {
    name: 'qsessions-cached-memory',
    family: 'qsessions',
    engine: 'cached_db',
    database: 'postgres',
    cache: 'memory',
    needs: ['postgres'],
    description: 'nest-qsessions `cached_db` engine, built-in in-memory cache, on PostgreSQL',
  },
  {
    name: 'qsessions-cached-redis',
    family: 'qsessions',
    engine: 'cached_db',
    database: 'postgres',
    cache: 'redis',
    needs: ['postgres', 'redis'],
    description: 'nest-qsessions `cached_db` engine, Redis cache (commands on the @keyv/redis client), on PostgreSQL',
  },
];

/** The variant every ratio is taken against. */
export const BASELINE_VARIANT = 'none';

export function findVariant(name: string | undefined): Variant | undefined {
  return VARIANTS.find((variant) => variant.name === name);
}

/** Name of the session cookie each family sets (what the harness sends back). */
export function sessionCookieName(variant: Variant): string | null {
  switch (variant.family) {
    case 'none':
      return null;
    case 'express-session':
      return 'connect.sid';
    case 'qsessions':
      return 'sessionid';
  }
}
