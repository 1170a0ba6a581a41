import pg from 'pg';
import { POSTGRES } from '../bench-config.js';

// The benchmark's own PostgreSQL databases: created, reset and dropped from the orchestrator.

async function withClient<T>(database: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: POSTGRES.host, port: POSTGRES.port, user: POSTGRES.user, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function quoted(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return `"${name}"`;
}

/** PostgreSQL's version, or a clear error when it cannot be reached. */
export async function postgresVersion(): Promise<string> {
  try {
    return await withClient('postgres', async (client) => {
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      return result.rows[0]!.server_version;
    });
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES.host}:${POSTGRES.port} (user ${POSTGRES.user}, no password): ` +
        `${(error as Error).message}. Start it with \`bash .ci/services.sh postgres\` (npm run bench does).`,
      { cause: error },
    );
  }
}

/** Drops the database if it exists (closing any connection left to it) and creates it empty. */
export async function recreateDatabase(name: string): Promise<void> {
  await withClient('postgres', async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoted(name)}`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient('postgres', (client) => client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}

/** Empties the database's public schema: the next app process starts from no tables at all. */
export async function resetSchema(database: string): Promise<void> {
  await withClient(database, async (client) => {
    await client.query('DROP SCHEMA IF EXISTS public CASCADE');
    await client.query('CREATE SCHEMA public');
  });
}
