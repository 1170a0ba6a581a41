import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { writeMmdb } from './mmdb-writer.js';
import { writeTarGz } from './tar-writer.js';

// A stand-in for MaxMind's download server on a loopback port, serving archives built in the
// test. Its URL template has MaxMind's shape, so the command is run as it is in production,
// with only --url-template (or QSESSIONS_GEOIP_URL_TEMPLATE) pointing elsewhere.

const FIXTURES = fileURLToPath(new URL('../fixtures/geoip/', import.meta.url));

/** MaxMind's official test databases (real GeoLite2 files, fake data). */
export const TEST_CITY_DB = readFileSync(`${FIXTURES}GeoLite2-City-Test.mmdb`);
export const TEST_COUNTRY_DB = readFileSync(`${FIXTURES}GeoLite2-Country-Test.mmdb`);

/** Small databases of the right kinds that a test can tell apart from the new ones ("the previous database"). */
export const OLD_CITY_DB = writeMmdb({
  databaseType: 'GeoLite2-City',
  networks: [{ network: '203.0.113.0/24', data: { city: { names: { en: 'Old Town' } } } }],
});
export const OLD_COUNTRY_DB = writeMmdb({
  databaseType: 'GeoLite2-Country',
  networks: [{ network: '203.0.113.0/24', data: { country: { iso_code: 'ZZ', names: { en: 'Oldland' } } } }],
});

/** An archive laid out as MaxMind's: a dated folder with the licence texts and the database. */
export function maxmindArchive(edition: string, database: Buffer): Buffer {
  const folder = `${edition}_20240102`;
  return writeTarGz([
    { name: `${folder}/`, type: 'directory' },
    { name: `${folder}/COPYRIGHT.txt`, content: 'Database and Contents Copyright (c) MaxMind, Inc.\n' },
    {
      name: `${folder}/LICENSE.txt`,
      content: "Use of this MaxMind product is governed by MaxMind's GeoLite2 End User License Agreement.\n",
    },
    { name: `${folder}/${edition}.mmdb`, content: database },
  ]);
}

/** Handles one download request. `edition` and `key` come from the query, as MaxMind's URL has them. */
export type DownloadHandler = (
  request: { edition: string | null; key: string | null; path: string },
  req: IncomingMessage,
  res: ServerResponse,
) => void;

/** A running loopback server. */
export interface GeoIpServer {
  /** For --url-template: MaxMind's URL shape on this server. */
  template: string;
  /** Every request path, in order (query included: it holds the key, so never print these). */
  requests: string[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a random port. */
export async function startGeoIpServer(handler: DownloadHandler): Promise<GeoIpServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    handler(
      { edition: url.searchParams.get('edition_id'), key: url.searchParams.get('license_key'), path: url.pathname },
      req,
      res,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    template: `http://127.0.0.1:${port}/app/geoip_download?edition_id={edition}&license_key={key}&suffix=tar.gz`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * MaxMind's behaviour: a wrong key gets 401 "Invalid license key"; a right one is redirected
 * (MaxMind sends the file from another host) to the archive, sent with its length.
 */
export function serveArchives(key: string, archives: Record<string, Buffer>): DownloadHandler {
  return ({ edition, key: given, path }, _req, res) => {
    if (path.startsWith('/files/')) {
      const archive = archives[decodeURIComponent(path.slice('/files/'.length))];
      if (!archive) {
        res.writeHead(404).end('Not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      res.end(archive);
      return;
    }
    if (given !== key) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Invalid license key\n');
      return;
    }
    res.writeHead(302, { location: `/files/${encodeURIComponent(edition ?? '')}` }).end();
  };
}
