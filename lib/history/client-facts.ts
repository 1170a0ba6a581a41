import type { GeoIpLocator } from '../geoip/geoip-locator.js';
import { formatLocation } from '../geoip/location-info.js';
import { parseDevice } from '../user-agent/device-info.js';

/** What a history entry keeps about the client, as it was at the moment of the event. */
export interface ClientFacts {
  device: string;
  /** Browser family, OS family and device type: what makes a device "the same" for new-device detection. */
  deviceKey: string;
  country: string | null;
  city: string | null;
  location: string | null;
}

const NO_LOCATION = { country: null, city: null, location: null } as const;

/**
 * Describes the client of an event: the device from its User-Agent, the location from its
 * address (no lookup at all without a GeoIP database). Each distinct address is looked up once
 * per call, since the sessions of one revocation mostly share a few.
 */
export class ClientFactsReader {
  constructor(private readonly geoip: GeoIpLocator) {}

  async describe(
    clients: readonly { ip: string | null; userAgent: string | null; clientHints: string | null }[],
  ): Promise<ClientFacts[]> {
    const locations = new Map<string, Promise<Pick<ClientFacts, 'country' | 'city' | 'location'>>>();
    const locationOf = (ip: string | null) => {
      if (ip === null || !this.geoip.hasDatabase) return Promise.resolve(NO_LOCATION);
      let found = locations.get(ip);
      if (!found) {
        found = this.geoip.locationInfo(ip).then((info) => ({
          country: info?.countryCode ?? null,
          city: info?.city ? info.city.slice(0, 100) : null,
          location: formatLocation(info)?.slice(0, 160) ?? null,
        }));
        locations.set(ip, found);
      }
      return found;
    };
    return Promise.all(
      clients.map(async (client) => ({
        ...deviceFacts(client.userAgent, client.clientHints),
        ...(await locationOf(client.ip)),
      })),
    );
  }
}

/** The device by its User-Agent and, when the session has them, its Client Hints (`clientHints` option). */
function deviceFacts(userAgent: string | null, clientHints: string | null): Pick<ClientFacts, 'device' | 'deviceKey'> {
  const info = parseDevice(userAgent, clientHints);
  // Versions are left out on purpose: a browser update is not a new device.
  const key = [info.browser.name, info.os.name, info.device.type].map((part) => part ?? '-').join('|');
  return { device: info.summary.slice(0, 120), deviceKey: key.slice(0, 120) };
}
