/**
 * What every Entra-bound exporter (Entra CSV and Graph JSON) checks beyond the token type.
 */
import { serialProblem, upnProblem } from '../core/identity.js';
import { encodeBase32 } from '../core/secretCodec.js';
import type { BatchRow } from './types.js';

/** Entra's limit on the secret, in Base32 characters. */
export const ENTRA_MAX_SECRET_CHARS = 128;

/**
 * A serial and UPN Entra takes, a manufacturer and a model (Graph marks both required, and the
 * CSV upload shows them to the admin), and a secret within Entra's 128 Base32 characters.
 */
export function entraFieldProblem(row: BatchRow): string | null {
  const serial = serialProblem(row.serial);
  if (serial !== null) return serial;
  const upn = upnProblem(row.upn);
  if (upn !== null) return `UPN: ${upn}`;
  const empty = [row.manufacturer.trim() === '' ? 'manufacturer' : null, row.model.trim() === '' ? 'model' : null].filter((name) => name !== null);
  if (empty.length > 0) {
    return `it has no ${empty.join(' and no ')}, which Entra requires (the import sets them with --manufacturer and --model)`;
  }
  if (encodeBase32(row.secret).length > ENTRA_MAX_SECRET_CHARS) {
    return `its secret is longer than Entra's limit of ${ENTRA_MAX_SECRET_CHARS} Base32 characters`;
  }
  return null;
}
