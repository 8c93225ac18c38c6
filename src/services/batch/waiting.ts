/** Which waiting hand-outs an export takes: `--since` and `--desk`, in the spelling the store compares. */
import { Refusal } from '../../core/errors.js';
import type { WaitingFilter } from '../../store/batchRepo.js';

export type { WaitingFilter } from '../../store/batchRepo.js';

/** verified_at is stored as toISOString(); compare against the same spelling. */
export function normaliseSince(since: string): string {
  const trimmed = since.trim();
  const time = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new Refusal('bad-since', `--since "${since}" is not a date or time; write it like 2026-11-29 or 2026-11-29T08:00:00Z`);
  }
  return new Date(time).toISOString();
}

/** The filter as given by a person (`since` in any ISO spelling), as the store compares it. */
export function waitingFilter(filter: WaitingFilter): WaitingFilter {
  return {
    ...(filter.since === undefined ? {} : { since: normaliseSince(filter.since) }),
    ...(filter.desk === undefined ? {} : { desk: filter.desk }),
  };
}
