import type { INestApplicationContext } from '@nestjs/common';
import { TypeormStore } from 'connect-typeorm';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import session, { type Store } from 'express-session';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';
import { HTTP_DATABASE, POSTGRES, REDIS_URL } from '../../bench-config.js';
import type { ExpressSessionVariant } from '../../variants.js';
import { ConnectTypeormSession } from './connect-typeorm-session.entity.js';

/** A session store, and how to release what it holds when the app stops. */
export interface OpenedStore {
  /** Undefined: express-session's own MemoryStore. */
  store: Store | undefined;
  close(): Promise<void>;
}

/**
 * Opens the store of an express-session variant, each with its defaults (as its README shows
 * it), so that what is measured is what an app gets out of the box.
 */
export async function openStore(
  variant: ExpressSessionVariant,
  app: INestApplicationContext,
  redisPrefix: string,
): Promise<OpenedStore> {
  switch (variant.store) {
    case 'memory':
      return { store: undefined, close: async () => {} };
    case 'redis': {
      const client = createClient({ url: REDIS_URL });
      client.on('error', (error: Error) => console.error(`redis client: ${error.message}`));
      await client.connect();
      // The prefix keeps the benchmark's keys apart (and removable); the rest are defaults.
      return { store: new RedisStore({ client, prefix: `${redisPrefix}sess:` }), close: () => client.close() };
    }
    case 'pg-simple': {
      const PgStore = connectPgSimple(session);
      const store = new PgStore({
        conObject: { host: POSTGRES.host, port: POSTGRES.port, user: POSTGRES.user, database: HTTP_DATABASE },
        createTableIfMissing: true,
      });
      return { store, close: () => Promise.resolve(store.close()) };
    }
    case 'typeorm': {
      // The table comes from the TypeORM module of this variant (synchronize); the store only
      // needs the repository. connect-typeorm declares typeorm ^0.3 as its peer; package.json
      // overrides it to the app's TypeORM 1.1, whose Repository API it uses unchanged.
      const repository = app.get(DataSource).getRepository(ConnectTypeormSession);
      return { store: new TypeormStore().connect(repository), close: async () => {} };
    }
  }
}
