import type { GeoIpLocator } from './geoip-locator.js';

let active: GeoIpLocator | null = null;

/**
 * The locator of the running app, for `QSession#location()` (entities are not created by Nest's
 * injector, so they cannot have it injected). Set by QSessionsModule at start-up.
 */
export function setActiveGeoIpLocator(locator: GeoIpLocator | null): void {
  active = locator;
}

/** The running app's locator, or null before start-up and after shutdown. */
export function activeGeoIpLocator(): GeoIpLocator | null {
  return active;
}
