/**
 * Option values every command reads the same way, checked while the command line is parsed: a bad
 * value is a usage error (exit 2) in one line that says what the option takes, never a silent
 * other meaning (`--limit -1` as "no limit", `1e3` as 1) or a database error.
 */
import { UsageError } from '../core/errors.js';

/** At most this much of a value is echoed back in a message. */
const SHOWN = 40;
const shown = (value: string) => (value.length > SHOWN ? `${value.slice(0, SHOWN)}...` : value);

/** `--limit <n>`: a whole number from 1 to `max`, written in plain digits. For commander's option(). */
export function limitOption(max: number): (value: string) => number {
  return (value: string) => {
    const n = /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= max)) {
      throw new UsageError(`--limit takes a whole number from 1 to ${max} (got "${shown(value)}")`);
    }
    return n;
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--since <time>`: an ISO date or date and time (2026-11-29, 2026-11-29T09:00:00Z); returned as given. */
export function sinceOption(value: string): string {
  if (!ISO_TIME.test(value.trim()) || Number.isNaN(Date.parse(value.trim()))) {
    throw new UsageError(`--since takes an ISO date or time such as 2026-11-29 or 2026-11-29T09:00:00Z (got "${shown(value)}")`);
  }
  return value.trim();
}
