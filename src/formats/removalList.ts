/**
 * Removal batches: what the identity provider must forget (tokens returned, lost, broken, replaced
 * or retired after they reached it), one file per batch in the shape the admin of that system acts
 * on. No seed is ever in one: only serials, people and what to do.
 *
 *   graph-json  JSON: {"removals": [{serialNumber, manufacturer, model, userPrincipalName, action, reason}]}
 *               `tokendesk upload BATCH` carries it out through Graph (unassign; delete when
 *               action is "delete"); the file is the record of what it was asked.
 *   oath-csv    privacyIDEA: "#" comment lines naming the calls, then serial,user,action,reason;
 *               unassign: POST /token/unassign serial=...; delete: DELETE /token/<serial>.
 *   linotp-csv  LinOTP: the same columns; unassign: POST /admin/unassign serial=...;
 *               delete: POST /admin/remove serial=....
 *   entra-csv   Entra's CSV upload cannot delete: a plain checklist (.txt) for the admin centre.
 *
 * multiOTP has no removal list here: its CLI removes tokens per user, by hand (the refusal says so).
 * Every cell is a checked serial or UPN; the CSV writers still refuse a cell that would start a
 * spreadsheet formula, as the last guard.
 */
import { formulaCell } from './exportRules.js';
import type { BatchFormat } from './types.js';

export const REMOVAL_FORMATS = ['graph-json', 'oath-csv', 'linotp-csv', 'entra-csv'] as const satisfies readonly BatchFormat[];
export type RemovalFormat = (typeof REMOVAL_FORMATS)[number];

export interface RemovalRow {
  serial: string;
  upn: string;
  manufacturer: string;
  model: string;
  /** unassign: the token may be handed out again; delete: never again. */
  action: 'unassign' | 'delete';
  /** returned | lost | broken | replaced | retired */
  reason: string;
}

export const REMOVAL_EXTENSIONS: Record<RemovalFormat, string> = { 'graph-json': 'json', 'oath-csv': 'csv', 'linotp-csv': 'csv', 'entra-csv': 'txt' };

export const REMOVAL_DESCRIPTIONS: Record<RemovalFormat, string> = {
  'graph-json': 'Entra ID through Graph: `tokendesk upload BATCH --tenant T` unassigns each token and deletes the lost, broken and retired ones',
  'oath-csv': 'privacyIDEA: a CSV of serials to unassign (POST /token/unassign) or delete (DELETE /token/<serial>)',
  'linotp-csv': 'LinOTP: a CSV of serials to unassign (POST /admin/unassign) or delete (POST /admin/remove)',
  'entra-csv': "Entra ID by hand: a checklist for the admin centre (Entra's CSV upload cannot delete tokens)",
};

export function isRemovalFormat(format: string): format is RemovalFormat {
  return (REMOVAL_FORMATS as readonly string[]).includes(format);
}

/** Why a row cannot go in a removal list of this format, or null. */
export function whyNoRemoval(format: RemovalFormat, row: RemovalRow): string | null {
  if (format === 'graph-json') return null; // JSON quotes every value
  return formulaCell({ serial: row.serial, user: row.upn });
}

const CSV_COMMENT: Record<'oath-csv' | 'linotp-csv', string[]> = {
  'oath-csv': [
    '# tokendesk removal list for privacyIDEA: tokens to take away from the people listed.',
    '# action unassign: POST /token/unassign with serial=SERIAL (the token may be handed out again).',
    '# action delete:   DELETE /token/SERIAL (lost, broken or retired: never again).',
    '# Then: tokendesk batch mark-uploaded BATCH',
  ],
  'linotp-csv': [
    '# tokendesk removal list for LinOTP: tokens to take away from the people listed.',
    '# action unassign: POST /admin/unassign with serial=SERIAL (the token may be handed out again).',
    '# action delete:   POST /admin/remove with serial=SERIAL (lost, broken or retired: never again).',
    '# Then: tokendesk batch mark-uploaded BATCH',
  ],
};

/** The file's bytes; `batch` names the batch in the comments and the checklist. Rows must pass whyNoRemoval. */
export function renderRemovalList(format: RemovalFormat, rows: readonly RemovalRow[], batch: string): Uint8Array {
  for (const row of rows) {
    const problem = whyNoRemoval(format, row);
    if (problem !== null) throw new Error(`the ${format} removal list cannot carry serial ${row.serial}: ${problem}`);
  }
  return Buffer.from(removalText(format, rows, batch), 'utf8');
}

function removalText(format: RemovalFormat, rows: readonly RemovalRow[], batch: string): string {
  switch (format) {
    case 'graph-json': {
      const removals = rows.map((r) => ({
        serialNumber: r.serial,
        manufacturer: r.manufacturer,
        model: r.model,
        userPrincipalName: r.upn,
        action: r.action,
        reason: r.reason,
      }));
      return `${JSON.stringify({ removals }, null, 2)}\n`;
    }
    case 'oath-csv':
    case 'linotp-csv': {
      const comment = CSV_COMMENT[format].map((line) => line.replace('BATCH', batch));
      return `${[...comment, 'serial,user,action,reason', ...rows.map((r) => [r.serial, r.upn, r.action, r.reason].join(','))].join('\n')}\n`;
    }
    case 'entra-csv':
      return entraChecklist(rows, batch);
  }
}

function entraChecklist(rows: readonly RemovalRow[], batch: string): string {
  const lines = [
    `tokendesk removal checklist ${batch} for Entra ID: ${rows.length} token(s).`,
    "Entra's OATH token CSV upload cannot remove tokens: do each line by hand in the Entra admin centre,",
    'Protection > Authentication methods > OATH tokens (or the user > Authentication methods):',
    '  unassign: take the token away from the user; it stays in the tenant and may be handed out again.',
    '  delete:   unassign it, then delete it from the tenant (lost, broken or retired: never again).',
    `When every line is done: tokendesk batch mark-uploaded ${batch}`,
    '',
  ];
  for (const r of rows) {
    lines.push(`[ ] ${r.action.padEnd(8)} serial ${r.serial}  (${r.manufacturer} ${r.model})  from ${r.upn}  (${r.reason})`);
  }
  return `${lines.join('\n')}\n`;
}
