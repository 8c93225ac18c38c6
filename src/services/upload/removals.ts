/**
 * A removal batch through Graph: each token the desk recorded as returned, lost, broken, replaced
 * or retired after upload is unassigned in the tenant, and deleted from its inventory when it will
 * never be used again. Each removal is marked done (removals.done_at) with its ledger row the
 * moment the tenant has followed, so a run stopped anywhere is finished by running it again; both
 * steps count "already gone" as done.
 *
 * A token the tenant shows held by somebody other than the person the desk removed it from is
 * reported, never taken from them: the desk's record and the tenant disagree, and a person decides.
 */
import { GraphRefusal } from '../../graph/errors.js';
import type { HardwareOathApi } from '../../graph/hardwareOath.js';
import type { HardwareOathDevice } from '../../graph/types.js';
import type { Inventory } from '../../store/db.js';
import type { RemovalToRun } from '../../store/graphUploadRepo.js';
import type { UploadCounts } from './engine.js';
import { removeFromTenant } from './tenant.js';

export type RemovalOutcome = 'removed' | 'already-done' | 'failed' | 'left';

export interface RemovalReport {
  serial: string;
  upn: string;
  outcome: RemovalOutcome;
  /** What the tenant was asked to do. */
  action: 'unassign' | 'delete';
  deviceId?: string;
  code?: string;
  reason?: string;
}

export interface RemovalRun {
  counts: UploadCounts;
  tokens: RemovalReport[];
  stoppedBy?: { code: string; message: string };
}

const STOPPING = new Set(['sign-in-expired', 'permission-missing']);
const TRANSIENT = new Set(['throttled', 'unavailable', 'unreachable', 'uncertain', 'unexpected']);

export async function runRemovals(
  inventory: Inventory,
  api: HardwareOathApi,
  options: { tenant: string; removals: readonly RemovalToRun[]; now?: () => number; onProgress?: (counts: UploadCounts) => void },
): Promise<RemovalRun> {
  const now = options.now ?? Date.now;
  const counts: UploadCounts = { total: options.removals.length, done: 0, failed: 0, left: options.removals.length };
  const tokens: RemovalReport[] = [];
  let stoppedBy: GraphRefusal | undefined;
  options.onProgress?.({ ...counts });

  for (const removal of options.removals) {
    const base = { serial: removal.serial, upn: removal.upn, action: removal.action };
    let report: RemovalReport;
    if (removal.doneAt !== null) {
      report = { ...base, outcome: 'already-done' };
    } else if (stoppedBy) {
      report = { ...base, outcome: 'left', code: stoppedBy.code, reason: stoppedBy.message };
    } else {
      try {
        report = await removeOne(inventory, api, options.tenant, removal, now);
      } catch (error) {
        if (!(error instanceof GraphRefusal)) throw error;
        if (STOPPING.has(error.kind)) stoppedBy = error;
        const left = STOPPING.has(error.kind) || TRANSIENT.has(error.kind);
        report = { ...base, outcome: left ? 'left' : 'failed', code: error.code, reason: error.message };
      }
    }
    tokens.push(report);
    if (report.outcome === 'failed') counts.failed++;
    else if (report.outcome !== 'left') counts.done++;
    counts.left = counts.total - counts.done - counts.failed;
    options.onProgress?.({ ...counts });
  }
  return { counts, tokens, ...(stoppedBy ? { stoppedBy: { code: stoppedBy.code, message: stoppedBy.message } } : {}) };
}

async function removeOne(inventory: Inventory, api: HardwareOathApi, tenant: string, removal: RemovalToRun, now: () => number): Promise<RemovalReport> {
  const { store } = inventory;
  const base = { serial: removal.serial, upn: removal.upn, action: removal.action };
  const ledger = store.graphUploads.progress(tenant, removal.serial);
  const device = await findDevice(api, removal.serial, ledger?.deviceId ?? null);

  if (device) {
    const holder = device.assignedTo;
    if (holder) {
      // The person the desk removed it from: as recorded at upload, else looked up now.
      const expected = ledger?.userId ?? (await accountId(api, removal.upn));
      if (expected !== null && holder.id !== expected) {
        const name = holder.displayName ? `${holder.displayName} (${holder.id})` : holder.id;
        return {
          ...base,
          outcome: 'failed',
          deviceId: device.id,
          code: 'graph-held-by-someone-else',
          reason: `Token ${removal.serial} is assigned in the tenant to ${name}, not to ${removal.upn}: it was not taken from them; find out who has it (tokendesk reconcile), then remove it in Entra by hand if the desk's record is right`,
        };
      }
    }
    await removeFromTenant(api, { serial: removal.serial, tenantId: device.id, holderId: holder?.id, deleteDevice: removal.action === 'delete' });
  }

  const at = new Date(now()).toISOString();
  store.write(() => {
    store.graphUploads.markRemovalDone(removal.removalId, at);
    store.graphUploads.save({
      tenant,
      serial: removal.serial,
      assignmentId: removal.assignmentId,
      batchId: ledger?.batchId ?? null,
      stage: 'removed',
      userId: null,
      // An unassigned device stays in the tenant's inventory: a later hand-out of the token adopts it.
      deviceId: device && removal.action === 'unassign' ? device.id : null,
      calls: (ledger?.calls ?? 0) + (device ? 1 : 0),
      updatedAt: at,
    });
  });
  return { ...base, outcome: 'removed', ...(device ? { deviceId: device.id } : {}) };
}

/** The tenant's device for a serial: by the id the ledger holds, else by serial; null when the tenant has none. */
async function findDevice(api: HardwareOathApi, serial: string, deviceId: string | null): Promise<HardwareOathDevice | null> {
  if (deviceId) {
    const byId = await api.getDevice(deviceId);
    if (byId) return byId;
  }
  const found = await api.findDevicesBySerial(serial);
  if (found.length > 1) {
    throw new GraphRefusal('conflict', `Token ${serial} is in the tenant ${found.length} times: remove the extra copies in Entra (tokendesk reconcile lists them), then run again`);
  }
  return found[0] ?? null;
}

async function accountId(api: HardwareOathApi, upn: string): Promise<string | null> {
  try {
    return (await api.getUser(upn)).id;
  } catch (error) {
    if (error instanceof GraphRefusal && error.kind === 'not-found') return null;
    throw error;
  }
}
