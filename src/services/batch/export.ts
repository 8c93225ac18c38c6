/**
 * `tokendesk export`: a new batch of the waiting hand-outs (newBatch.ts), or with `batch` an
 * existing batch written again (rewrite.ts); in the clear, or only encrypted to age recipients.
 */
import { Refusal } from '../../core/errors.js';
import type { Inventory } from '../../store/db.js';
import { authorise } from '../actor.js';
import { findBatch } from './find.js';
import { exportNewBatch, exportNewEncryptedBatch } from './newBatch.js';
import { rewriteRemovalBatch } from './removals.js';
import { rewriteBatch, rewriteBatchEncrypted } from './rewrite.js';
import type { EncryptedExportRequest, ExportRequest, ExportResult } from './types.js';

export function exportBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  authorise(request.actor, 'export');
  if (request.batch !== undefined) {
    const batch = findBatch(inventory, request.batch);
    if (batch.kind === 'removal') return rewriteRemovalBatch(inventory, batch, request);
  }
  return request.batch !== undefined ? rewriteBatch(inventory, request) : exportNewBatch(inventory, request);
}

/**
 * `export --encrypt-to`: the same batch as `exportBatch` (new, or with `batch` written again), but
 * only `<file>.age` is written. Plaintext never touches disk.
 */
export async function exportEncryptedBatch(inventory: Inventory, request: EncryptedExportRequest): Promise<ExportResult> {
  authorise(request.actor, 'export');
  const recipients = [...new Set(request.encryptTo.map((r) => r.trim()))];
  if (recipients.length === 0) throw new Refusal('no-recipients', 'an encrypted export needs at least one recipient (age1...)');
  if (request.batch !== undefined && findBatch(inventory, request.batch).kind === 'removal') {
    throw new Refusal('removal-batch', 'a removal batch holds no seed: write it again without --encrypt-to');
  }
  return request.batch !== undefined ? rewriteBatchEncrypted(inventory, request, recipients) : exportNewEncryptedBatch(inventory, request, recipients);
}
