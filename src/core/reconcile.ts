/**
 * The tenant against the desk's ledger: what differs, and a plan to fix it. Pure: the caller
 * reads the tenant (Graph's hardwareOathDevices with assignedTo, the holders' accounts, and any
 * per-user methods) and the ledger, and runs what it chooses of the plan.
 *
 * A fix is "safe" to run without asking when it only finishes what the desk already proved and
 * recorded (activate a token the desk verified in that person's hands, put back a device the
 * tenant lost while the seed is still held, carry out a removal the desk recorded, drop a
 * CSV-uploaded copy when the Graph copy already works for the same person, note an enrolment the
 * employee finished). Anything that takes a token from somebody, or would guess who holds it, is
 * left to a person.
 */

export type TenantTokenStatus = 'available' | 'assigned' | 'activated' | 'failedActivation';

export interface TenantToken {
  /** The device id (inventory) or the method id (a copy seen only on a user). */
  id: string;
  serialNumber: string;
  status: TenantTokenStatus;
  holderId: string | null;
  holderName?: string | null;
  /**
   * `inventory`: in Graph's hardwareOathDevices list. `user-method`: seen only in a user's
   * hardwareOathMethods, as a token uploaded by the admin centre's CSV shows (Entra OATH guide,
   * "User has two tokens with the same SerialNumber").
   */
  source: 'inventory' | 'user-method';
}

export interface TenantAccount {
  id: string;
  upn: string;
}

export interface TenantView {
  tokens: readonly TenantToken[];
  /** Accounts that exist: the desk's holders and the tenant's holders, as looked up. Absent = no longer exists. */
  accounts: readonly TenantAccount[];
}

export interface DeskEntry {
  serial: string;
  /**
   * uploaded: the desk sent it assigned to `upn` and expects it activated;
   * staged: created without a holder for self-service, `upn` is who took it at the desk (if recorded);
   * removed: lost, returned or retired at the desk, so the tenant must no longer have it assigned.
   */
  state: 'uploaded' | 'staged' | 'removed';
  upn: string | null;
  deviceId?: string;
  /** Whether the desk still holds the seed (needed to re-create or activate). */
  seedHeld: boolean;
  /** For removed tokens: unassign only (returned to stock) or delete the device too (lost, retired). */
  removal?: 'unassign' | 'delete';
}

export type MismatchKind =
  | 'in-tenant-not-in-ledger'
  | 'in-ledger-not-in-tenant'
  | 'different-holder'
  | 'not-activated'
  | 'enrolment-pending'
  | 'enrolled-not-recorded'
  | 'duplicate'
  | 'holder-gone'
  | 'removal-pending';

export interface Mismatch {
  kind: MismatchKind;
  serial: string;
  /** Plain words for the report. */
  detail: string;
  tenantId?: string;
  tenantHolder?: { id: string; name?: string | null };
  deskUpn?: string | null;
}

export type FixAction =
  | 'upload'
  | 'upload-unassigned'
  | 'activate'
  | 'unassign'
  | 'unassign-and-delete'
  | 'remove-duplicate'
  | 'record-enrolment'
  | 'review';

export interface Fix {
  action: FixAction;
  serial: string;
  safe: boolean;
  /** Why, or what a person should do when it is not safe. */
  why: string;
  /** The tenant object to act on. */
  tenantId?: string;
  /** Whether that object is an inventory device or a copy seen only on its user (unassigning removes it). */
  tenantSource?: TenantToken['source'];
  holderId?: string;
}

export interface Reconciliation {
  mismatches: Mismatch[];
  plan: Fix[];
  counts: Partial<Record<MismatchKind, number>>;
}

export function reconcile(tenant: TenantView, desk: readonly DeskEntry[]): Reconciliation {
  const mismatches: Mismatch[] = [];
  const plan: Fix[] = [];
  const accountById = new Map(tenant.accounts.map((a) => [a.id, a]));
  const accountByUpn = new Map(tenant.accounts.map((a) => [a.upn.toLowerCase(), a]));
  const deskBySerial = new Map(desk.map((e) => [e.serial, e]));
  const tenantBySerial = new Map<string, TenantToken[]>();
  for (const token of tenant.tokens) tenantBySerial.set(token.serialNumber, [...(tenantBySerial.get(token.serialNumber) ?? []), token]);

  const found = (m: Mismatch, fix: Fix) => {
    mismatches.push(m);
    plan.push(fix);
  };
  const holderOf = (t: TenantToken) => (t.holderId ? { id: t.holderId, name: t.holderName ?? null } : undefined);
  const nameOf = (t: TenantToken) => (t.holderName ? `${t.holderName} (${t.holderId})` : (t.holderId ?? 'nobody'));

  // Serials in the tenant: duplicates, holders gone, tokens the desk never sent.
  for (const [serial, copies] of tenantBySerial) {
    const entry = deskBySerial.get(serial);
    const kept = keptCopy(copies, entry);

    for (const copy of copies) {
      if (copy === kept) continue;
      const keptWorks = kept.status === 'activated' && kept.holderId !== null && (copy.holderId === null || copy.holderId === kept.holderId);
      found(
        { kind: 'duplicate', serial, tenantId: copy.id, tenantHolder: holderOf(copy), deskUpn: entry?.upn ?? null,
          detail: `token ${serial} is in the tenant ${copies.length} times; this copy (${copy.source === 'user-method' ? 'on the user only, as a CSV upload leaves it' : 'in the inventory'}) is extra` },
        { action: 'remove-duplicate', serial, safe: keptWorks, tenantId: copy.id, tenantSource: copy.source, holderId: copy.holderId ?? undefined,
          why: keptWorks
            ? `the other copy (${kept.id}) is activated for the same person, so this one is not needed`
            : `decide which copy ${nameOf(kept)} really uses before removing one: the kept copy is not activated for the same person` },
      );
    }

    if (kept.holderId !== null && !accountById.has(kept.holderId)) {
      found(
        { kind: 'holder-gone', serial, tenantId: kept.id, tenantHolder: holderOf(kept), deskUpn: entry?.upn ?? null,
          detail: `token ${serial} is assigned to account ${kept.holderId}, which no longer exists` },
        { action: 'review', serial, safe: false, tenantId: kept.id,
          why: 'the account no longer exists: collect the token (record it returned or lost at the desk), then delete it in Entra' },
      );
      continue;
    }

    if (!entry) {
      found(
        { kind: 'in-tenant-not-in-ledger', serial, tenantId: kept.id, tenantHolder: holderOf(kept),
          detail: `token ${serial} is in the tenant (${kept.status}, held by ${nameOf(kept)}) but the desk never sent it` },
        { action: 'review', serial, safe: false, tenantId: kept.id,
          why: 'it came from elsewhere (a CSV upload, another tool or desk): import its seed file and record its holder at the desk, or delete it in Entra if nobody has it' },
      );
    }
  }

  // Serials in the ledger.
  for (const entry of desk) {
    const copies = tenantBySerial.get(entry.serial) ?? [];
    const serial = entry.serial;
    const deskAccount = entry.upn ? accountByUpn.get(entry.upn.toLowerCase()) : undefined;

    if (entry.state === 'removed') {
      const present = copies.filter((c) => c.source === 'inventory' || c.holderId !== null);
      for (const copy of present) {
        const remove = entry.removal === 'delete';
        if (copy.holderId === null && !remove) continue;
        found(
          { kind: 'removal-pending', serial, tenantId: copy.id, tenantHolder: holderOf(copy), deskUpn: entry.upn,
            detail: `token ${serial} was ${remove ? 'taken out of service' : 'returned'} at the desk but the tenant still has it${copy.holderId ? ` assigned to ${nameOf(copy)}` : ''}` },
          { action: remove ? 'unassign-and-delete' : 'unassign', serial, safe: true, tenantId: copy.id, holderId: copy.holderId ?? undefined,
            why: 'the desk recorded the removal; the tenant only has to follow' },
        );
      }
      continue;
    }

    if (copies.length === 0) {
      const action: FixAction = entry.state === 'uploaded' ? 'upload' : 'upload-unassigned';
      found(
        { kind: 'in-ledger-not-in-tenant', serial, deskUpn: entry.upn,
          detail: `token ${serial} was ${entry.state === 'uploaded' ? `uploaded for ${entry.upn}` : 'staged for self-service'} but is not in the tenant` },
        entry.seedHeld
          ? { action, serial, safe: true, why: 'the desk still holds the seed: upload it again' }
          : { action: 'review', serial, safe: false, why: `its seed was purged after upload: ${entry.upn ?? 'the employee'} must bring the token back to the desk, or enrol another one` },
      );
      continue;
    }
    const kept = keptCopy(copies, entry);
    if (kept.holderId !== null && !accountById.has(kept.holderId)) continue; // reported above, once per serial
    if (entry.upn && !deskAccount) {
      found(
        { kind: 'holder-gone', serial, deskUpn: entry.upn, tenantId: kept.id,
          detail: `the desk handed token ${serial} to ${entry.upn}, an account that no longer exists` },
        { action: 'review', serial, safe: false, tenantId: kept.id,
          why: 'collect the token and record it returned at the desk; if the person was renamed, correct the UPN at the desk' },
      );
      continue;
    }

    if (entry.state === 'staged') {
      if (kept.holderId === null || (deskAccount && kept.holderId === deskAccount.id && kept.status !== 'activated')) {
        if (!entry.upn) continue; // still in the drawer
        found(
          { kind: 'enrolment-pending', serial, tenantId: kept.id, deskUpn: entry.upn,
            detail: `${entry.upn} took token ${serial} at the desk but has not finished enrolling it (${kept.status})` },
          { action: 'review', serial, safe: false, tenantId: kept.id,
            why: `remind ${entry.upn}: My Security Info > Add sign-in method > Hardware token, serial ${serial}, then a live code` },
        );
      } else if (deskAccount && kept.holderId === deskAccount.id) {
        found(
          { kind: 'enrolled-not-recorded', serial, tenantId: kept.id, tenantHolder: holderOf(kept), deskUpn: entry.upn,
            detail: `${entry.upn} has enrolled token ${serial}; the desk can record it as uploaded` },
          { action: 'record-enrolment', serial, safe: true, tenantId: kept.id, holderId: kept.holderId, why: 'the person the desk recorded enrolled it themselves' },
        );
      } else {
        differentHolder(entry, kept);
      }
      continue;
    }

    // Uploaded: the desk expects this person, activated.
    if (!deskAccount) continue;
    if (kept.holderId !== deskAccount.id) {
      differentHolder(entry, kept);
      continue;
    }
    if (kept.status !== 'activated') {
      found(
        { kind: 'not-activated', serial, tenantId: kept.id, tenantHolder: holderOf(kept), deskUpn: entry.upn,
          detail: `token ${serial} is assigned to ${entry.upn} but ${kept.status === 'failedActivation' ? 'its activation failed' : 'not activated'}` },
        entry.seedHeld
          ? { action: 'activate', serial, safe: true, tenantId: kept.id, holderId: kept.holderId, why: 'the desk verified it in their hands and still holds the seed and the measured clock offset' }
          : { action: 'review', serial, safe: false, tenantId: kept.id, why: `the seed was purged: ask ${entry.upn} to activate it at My Security Info with a live code` },
      );
    }
  }

  function differentHolder(entry: DeskEntry, kept: TenantToken): void {
    found(
      { kind: 'different-holder', serial: entry.serial, tenantId: kept.id, tenantHolder: holderOf(kept), deskUpn: entry.upn,
        detail: `the desk gave token ${entry.serial} to ${entry.upn ?? 'nobody'}, the tenant has it ${kept.holderId ? `assigned to ${nameOf(kept)}` : 'unassigned'}` },
      { action: 'review', serial: entry.serial, safe: false, tenantId: kept.id,
        why: 'ask who physically holds the token (the kiosk self-check proves it), then correct the desk or unassign it in Entra' },
    );
  }

  const counts: Partial<Record<MismatchKind, number>> = {};
  for (const m of mismatches) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return { mismatches, plan, counts };
}

/** Of several copies of one serial, the one the desk knows (its device id), else the inventory one, else the first. */
function keptCopy(copies: readonly TenantToken[], entry: DeskEntry | undefined): TenantToken {
  return (
    (entry?.deviceId ? copies.find((c) => c.id === entry.deviceId) : undefined) ??
    copies.find((c) => c.source === 'inventory') ??
    copies[0]!
  );
}
