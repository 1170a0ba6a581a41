import { readFileSync } from 'node:fs';
import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module (an optional peer: only its types are imported statically). */
export type OpenTelemetryApiModule = typeof OpenTelemetryApi;

/** The name the library's meter and tracer carry (the instrumentation scope). */
export const INSTRUMENTATION_NAME = 'nest-qsessions';

/**
 * `@opentelemetry/api`, or null when the app does not have it. Loaded when the module starts,
 * never when the package is imported: an app without it loads nothing of it.
 */
export async function loadOpenTelemetryApi(): Promise<OpenTelemetryApiModule | null> {
  try {
    return await import('@opentelemetry/api');
  } catch {
    return null;
  }
}

/** This package's version, for the instrumentation scope (read once, when the module starts). */
export function packageVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
