import { usageError } from './command-error.js';
import { redactSecrets } from './redact.js';

/** What `parseArgs` gives back with `allowPositionals: true`. */
interface Parsed<V> {
  values: V;
  positionals: string[];
}

/**
 * Runs a `node:util` parseArgs call and turns its errors into usage errors (exit code 2),
 * with any secret hidden. Positional arguments are refused here rather than by parseArgs,
 * whose message would repeat the argument: it may be a licence key typed without its `-k`.
 */
export function parseCommandLine<V>(parse: () => Parsed<V>, secrets: readonly (string | undefined)[] = []): V {
  let parsed: Parsed<V>;
  try {
    parsed = parse();
  } catch (error) {
    throw usageError(redactSecrets((error as Error).message, secrets));
  }
  if (parsed.positionals.length > 0) {
    throw usageError(
      `This command takes only options, but ${parsed.positionals.length} other argument(s) were given ` +
        '(values go after their option, e.g. --path /var/lib/geoip).',
    );
  }
  return parsed.values;
}

/**
 * The values given to an option in raw arguments (`--name value`, `--name=value`, `-x value`,
 * `-xvalue`), found before parsing so that they can be hidden from parse errors.
 */
export function rawOptionValues(args: readonly string[], long: string, short?: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === `--${long}` || (short && arg === `-${short}`)) {
      if (i + 1 < args.length) values.push(args[i + 1]!);
    } else if (arg.startsWith(`--${long}=`)) {
      values.push(arg.slice(long.length + 3));
    } else if (short && arg.startsWith(`-${short}`) && !arg.startsWith('--') && arg.length > 2) {
      values.push(arg.slice(2));
    }
  }
  return values;
}
