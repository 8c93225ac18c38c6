/**
 * The upload engine's ledger on the desk's database (graph_uploads), one row per token and tenant.
 * Each write is its own transaction, committed before the engine sends the next request: in WAL
 * mode a commit survives the process being killed right after it. (A power cut may lose the last
 * commits; the engine is safe there too, because a create the ledger forgot is answered with 409
 * and looked up.) The token becomes `uploaded` in the same transaction that records its activation.
 *
 * A row left by an earlier hand-out of the same token (returned, then handed out again) is read as
 * `removed`: the engine looks at the tenant first instead of calling that token done.
 */
import type { Inventory } from '../../store/db.js';
import type { GraphUploadRow } from '../../store/graphUploadRepo.js';
import { UPLOAD_STAGES, type UploadLedger, type UploadProgress, type UploadStage } from './ledger.js';

/** Which hand-out (and batch) each serial of this run belongs to; null for a token in stock. */
export interface HandOutContext {
  assignmentId: number | null;
  batchId: number | null;
}

export class SqliteUploadLedger implements UploadLedger {
  constructor(
    private readonly inventory: Inventory,
    private readonly tenant: string,
    private readonly context: ReadonlyMap<string, HandOutContext>,
    private readonly now: () => number = Date.now,
  ) {}

  read(serial: string): UploadProgress | undefined {
    const row = this.inventory.store.graphUploads.progress(this.tenant, serial);
    if (!row) return undefined;
    const progress = progressOf(row);
    const current = this.context.get(serial)?.assignmentId ?? null;
    if (row.assignmentId !== null && current !== null && row.assignmentId !== current) {
      return { serial, stage: 'removed', calls: row.calls, ...(row.deviceId ? { deviceId: row.deviceId } : {}) };
    }
    return progress;
  }

  write(progress: UploadProgress): void {
    const { store } = this.inventory;
    const context = this.context.get(progress.serial) ?? { assignmentId: null, batchId: null };
    const at = new Date(this.now()).toISOString();
    store.write(() => {
      store.graphUploads.save({
        tenant: this.tenant,
        serial: progress.serial,
        assignmentId: context.assignmentId,
        batchId: context.batchId,
        stage: progress.stage,
        userId: progress.userId ?? null,
        deviceId: progress.deviceId ?? null,
        failureCode: progress.failure?.code ?? null,
        failureReason: progress.failure?.reason ?? null,
        calls: progress.calls,
        updatedAt: at,
      });
      if (progress.stage === 'activated' && context.assignmentId !== null) store.graphUploads.markTokenUploaded(progress.serial, at);
    });
  }
}

export function progressOf(row: GraphUploadRow): UploadProgress {
  // A stage this version does not know: look at the tenant first, as for any started token.
  const stage: UploadStage = isStage(row.stage) ? row.stage : 'created';
  return {
    serial: row.serial,
    stage,
    calls: row.calls,
    ...(row.userId ? { userId: row.userId } : {}),
    ...(row.deviceId ? { deviceId: row.deviceId } : {}),
    ...(row.failureCode ? { failure: { code: row.failureCode, reason: row.failureReason ?? '' } } : {}),
  };
}

function isStage(stage: string): stage is UploadStage {
  return (UPLOAD_STAGES as readonly string[]).includes(stage);
}
