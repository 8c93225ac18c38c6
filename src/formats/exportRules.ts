/**
 * What every batch exporter does before it writes: name the rows its format cannot carry, and
 * refuse to render them (callers check first; writing a row the target rejects would be worse).
 */
import type { BatchRow } from './types.js';

export type WhyNot = (row: BatchRow) => string | null;

export function rowsItCannotTake(rows: readonly BatchRow[], whyNot: WhyNot): Array<{ serial: string; reason: string }> {
  const refused: Array<{ serial: string; reason: string }> = [];
  for (const row of rows) {
    const reason = whyNot(row);
    if (reason !== null) refused.push({ serial: row.serial, reason });
  }
  return refused;
}

export function assertCanTake(formatName: string, rows: readonly BatchRow[], whyNot: WhyNot): void {
  const refused = rowsItCannotTake(rows, whyNot);
  if (refused.length > 0) {
    throw new Error(`${formatName} cannot carry ${refused.length} of these rows (first: serial ${refused[0]!.serial})`);
  }
}
