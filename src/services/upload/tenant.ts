/**
 * The tenant side of reconcile and removals, over the same Graph client as uploads:
 * - readTenantView: every device with its holder, the holders' and the desk's accounts (absent
 *   when deleted), and copies of a serial seen only on a user (a CSV upload leaves those);
 * - removeFromTenant: unassign, and delete the device too for lost or retired tokens. Both steps
 *   are idempotent (already gone counts as done), so a removal interrupted at any point is simply
 *   run again.
 */
import type { Fix, TenantAccount, TenantToken, TenantView } from '../../core/reconcile.js';
import { GraphRefusal } from '../../graph/errors.js';
import type { HardwareOathApi } from '../../graph/hardwareOath.js';

export async function readTenantView(api: HardwareOathApi, deskUpns: readonly string[]): Promise<TenantView> {
  const devices = await api.listDevices();
  const tokens: TenantToken[] = devices.map((d) => ({
    id: d.id,
    serialNumber: d.serialNumber,
    status: d.status,
    holderId: d.assignedTo?.id ?? null,
    holderName: d.assignedTo?.displayName ?? null,
    source: 'inventory',
  }));
  const inventoryIds = new Set(devices.map((d) => d.id));

  const accounts = new Map<string, TenantAccount>();
  const lookUp = async (key: string) => {
    try {
      const user = await api.getUser(key);
      accounts.set(user.id, { id: user.id, upn: user.userPrincipalName });
      return user;
    } catch (error) {
      if (error instanceof GraphRefusal && error.kind === 'not-found') return null;
      throw error;
    }
  };
  const holderIds = [...new Set(tokens.flatMap((t) => (t.holderId ? [t.holderId] : [])))];
  for (const id of holderIds) await lookUp(id);
  for (const upn of new Set(deskUpns.map((u) => u.toLowerCase()))) {
    if (![...accounts.values()].some((a) => a.upn.toLowerCase() === upn)) await lookUp(upn);
  }

  // Copies only a user's list shows: the admin centre's CSV upload (Entra OATH guide, troubleshooting).
  for (const account of accounts.values()) {
    for (const method of await api.listUserHardwareOathMethods(account.id)) {
      if (inventoryIds.has(method.id) || (method.device && inventoryIds.has(method.device.id)) || !method.device) continue;
      tokens.push({
        id: method.id,
        serialNumber: method.device.serialNumber,
        status: method.device.status,
        holderId: account.id,
        holderName: method.device.assignedTo?.displayName ?? null,
        source: 'user-method',
      });
    }
  }
  return { tokens, accounts: [...accounts.values()] };
}

export interface Removal {
  serial: string;
  /** The device (or a user-only copy's method) id. */
  tenantId: string;
  holderId?: string;
  /** Delete the device from the tenant after unassigning (lost, retired, an extra copy). */
  deleteDevice: boolean;
}

export interface RemovalResult {
  serial: string;
  unassigned: boolean;
  deleted: boolean;
}

export async function removeFromTenant(api: HardwareOathApi, removal: Removal): Promise<RemovalResult> {
  let unassigned = false;
  if (removal.holderId) unassigned = await api.unassign(removal.holderId, removal.tenantId, removal.serial);
  const deleted = removal.deleteDevice ? await api.deleteDevice(removal.tenantId, removal.serial) : false;
  return { serial: removal.serial, unassigned, deleted };
}

/** The removal a plan's fix asks for, or null when the fix is not a removal (uploads and activations go through the engine). */
export function removalFor(fix: Fix): Removal | null {
  if (!fix.tenantId) return null;
  switch (fix.action) {
    case 'unassign':
      return { serial: fix.serial, tenantId: fix.tenantId, holderId: fix.holderId, deleteDevice: false };
    case 'unassign-and-delete':
      return { serial: fix.serial, tenantId: fix.tenantId, holderId: fix.holderId, deleteDevice: true };
    case 'remove-duplicate':
      // A copy seen only on its user goes when unassigned; an inventory copy is deleted too.
      return { serial: fix.serial, tenantId: fix.tenantId, holderId: fix.holderId, deleteDevice: fix.tenantSource !== 'user-method' };
    default:
      return null;
  }
}
