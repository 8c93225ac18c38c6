/**
 * `tokendesk reconcile`: the tenant (read through Graph, or the JSON of
 * GET /directory/authenticationMethodDevices/hardwareOathDevices saved by an admin) against the
 * desk's ledger for that tenant, through core/reconcile.ts; and, with --fix, the safe part of the
 * plan, each fix audited.
 *
 * The desk's side is the ledger (graph_uploads): what the desk sent, staged or removed in that
 * tenant. Hand-outs that went by file to another system are not in it and are not compared.
 */
import { readFileSync } from 'node:fs';
import { Refusal, UsageError } from '../../core/errors.js';
import { reconcile, type DeskEntry, type Fix, type Mismatch, type MismatchKind, type TenantAccount, type TenantToken, type TenantView } from '../../core/reconcile.js';
import { GraphRefusal } from '../../graph/errors.js';
import type { GraphClientOptions, TokenSource } from '../../graph/client.js';
import type { HardwareOathApi } from '../../graph/hardwareOath.js';
import { readDevice } from '../../graph/hardwareOath.js';
import type { Inventory } from '../../store/db.js';
import type { StagingCandidate } from '../../store/graphUploadRepo.js';
import { authorise, type Actor } from '../actor.js';
import { UploadEngine, type UploadMode } from './engine.js';
import { takeRunLock } from './runLock.js';
import { graphSession, tenantKey, type GraphEvent } from './session.js';
import { SqliteUploadLedger, type HandOutContext } from './sqliteLedger.js';
import { readTenantView, removalFor, removeFromTenant } from './tenant.js';
import { audit, handOutOf, settleBatches } from './upload.js';

export type { Fix, Mismatch, MismatchKind } from '../../core/reconcile.js';

export interface ReconcileRequest {
  /** Needed to read the tenant or to fix; with `from` it picks the ledger (default: the only tenant the desk has one for). */
  tenant?: string;
  /** A saved list of the tenant's devices instead of asking Graph. */
  from?: string;
  tokens?: TokenSource;
  graphUrl?: string;
  /** Run the safe part of the plan (needs `tokens`, not `from`). */
  fix?: boolean;
  actor?: Actor;
  onEvent?: (event: GraphEvent) => void;
  client?: Partial<GraphClientOptions>;
  now?: () => number;
}

export interface FixResult {
  serial: string;
  action: Fix['action'];
  outcome: 'done' | 'failed' | 'left' | 'skipped';
  reason?: string;
}

export interface ReconcileReport {
  tenant: string;
  source: 'tenant' | 'file';
  /** How many tokens each side holds. */
  tenantTokens: number;
  deskTokens: number;
  mismatches: Mismatch[];
  plan: Fix[];
  counts: Partial<Record<MismatchKind, number>>;
  /** With --fix: what each safe fix did. */
  fixes?: FixResult[];
  notes: string[];
}

export async function reconcileTenant(inventory: Inventory, request: ReconcileRequest): Promise<ReconcileReport> {
  if (request.fix && request.from !== undefined) throw new UsageError('--fix changes the tenant, so it needs --tenant and a sign-in, not --from');
  const fixer = request.fix ? fixingActor(request.actor) : undefined;
  const tenant = pickTenant(inventory, request);
  const desk = deskSide(inventory, tenant);
  const notes: string[] = [];

  let view: TenantView;
  let api: HardwareOathApi | undefined;
  if (request.from !== undefined) {
    view = viewFromFile(request.from, desk);
    notes.push('read from a file: a holder is matched by the id recorded at upload or by the file\'s userPrincipalName; accounts that no longer exist cannot be told from a file');
  } else {
    if (!request.tokens) throw new UsageError('reconcile needs --tenant with a sign-in, or --from FILE');
    api = graphSession({ tokens: request.tokens, graphUrl: request.graphUrl, onEvent: request.onEvent, client: request.client });
    view = await readTenantView(api, [...new Set(desk.entries.flatMap((e) => (e.upn ? [e.upn] : [])))]);
  }

  const result = reconcile(view, desk.entries);
  const report: ReconcileReport = {
    tenant,
    source: request.from !== undefined ? 'file' : 'tenant',
    tenantTokens: view.tokens.length,
    deskTokens: desk.entries.length,
    ...result,
    notes,
  };
  if (fixer && api) {
    const lock = takeRunLock(inventory.paths.dir, 'run reconcile --fix');
    try {
      report.fixes = await runFixes(inventory, api, tenant, result.plan, fixer, request.now ?? Date.now);
    } finally {
      lock.release();
    }
  }
  return report;
}

function fixingActor(actor: Actor | undefined): Actor {
  if (!actor) throw new Refusal('not-allowed', 'reconcile --fix changes the tenant and the desk: it needs an admin');
  authorise(actor, 'mark-uploaded');
  return actor;
}

function pickTenant(inventory: Inventory, request: ReconcileRequest): string {
  if (request.tenant !== undefined) return tenantKey(request.tenant);
  if (request.from === undefined) throw new UsageError('reconcile needs --tenant T (or --from FILE)');
  const known = inventory.store.graphUploads.tenants();
  if (known.length > 1) throw new UsageError(`this desk has uploaded to ${known.join(', ')}: say which with --tenant`);
  return known[0] ?? '';
}

interface DeskSide {
  entries: DeskEntry[];
  /** People the desk knows the tenant's id of (recorded at upload). */
  accounts: TenantAccount[];
}

/** The ledger as core/reconcile.ts reads it. */
function deskSide(inventory: Inventory, tenant: string): DeskSide {
  const entries: DeskEntry[] = [];
  const accounts = new Map<string, TenantAccount>();
  for (const row of inventory.store.graphUploads.ofTenant(tenant)) {
    // Refused before anything was sent (limit of five, unsupported token): the tenant never saw it.
    if (row.calls === 0 && (row.stage === 'pending' || row.stage === 'failed')) continue;
    const base = { serial: row.serial, seedHeld: row.seedHeld, ...(row.deviceId ? { deviceId: row.deviceId } : {}) };
    if (row.userId && row.sentUpn) accounts.set(row.userId, { id: row.userId, upn: row.sentUpn });
    if (row.removalAction !== null) {
      entries.push({ ...base, state: 'removed', upn: row.sentUpn, removal: row.removalAction });
    } else if (row.stage === 'removed') {
      entries.push({ ...base, state: 'removed', upn: row.sentUpn, removal: 'unassign' });
    } else if (row.stage === 'staged') {
      entries.push({ ...base, state: 'staged', upn: row.liveUpn });
    } else if (row.assignmentId !== null) {
      entries.push({ ...base, state: 'uploaded', upn: row.sentUpn });
    }
  }
  return { entries, accounts: [...accounts.values()] };
}

/** The saved JSON of List hardwareOathDevices: one page ({"value": [...]}) or a bare array, either documented item shape. */
function viewFromFile(path: string, desk: DeskSide): TenantView {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'not JSON';
    throw new Refusal('reconcile-file', `Cannot read ${path} (${why}): give the JSON of GET /directory/authenticationMethodDevices/hardwareOathDevices`);
  }
  const items = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' && Array.isArray((parsed as { value?: unknown }).value) ? (parsed as { value: unknown[] }).value : null;
  if (!items) throw new Refusal('reconcile-file', `${path} holds no list of devices: expected {"value": [...]} as Graph answers, or an array`);
  if (items.length > 0 && parsed && !Array.isArray(parsed) && (parsed as Record<string, unknown>)['@odata.nextLink']) {
    throw new Refusal('reconcile-file', `${path} is one page of several (it has @odata.nextLink): save every page into one array, or use --tenant`);
  }

  const accounts = new Map(desk.accounts.map((a) => [a.id, a]));
  const tokens: TenantToken[] = items.map((item, i) => {
    let device;
    try {
      device = readDevice(item);
    } catch {
      throw new Refusal('reconcile-file', `${path}: item ${i + 1} has no id or serialNumber; nothing was compared`);
    }
    const holder = device.assignedTo;
    if (holder && !accounts.has(holder.id)) accounts.set(holder.id, { id: holder.id, upn: upnIn(item) ?? holder.id });
    return { id: device.id, serialNumber: device.serialNumber, status: device.status, holderId: holder?.id ?? null, holderName: holder?.displayName ?? null, source: 'inventory' };
  });
  // Desk people the file cannot name: assumed to exist (a file cannot say otherwise).
  for (const entry of desk.entries) {
    if (entry.upn && ![...accounts.values()].some((a) => a.upn.toLowerCase() === entry.upn!.toLowerCase())) {
      accounts.set(`upn:${entry.upn}`, { id: `upn:${entry.upn}`, upn: entry.upn });
    }
  }
  return { tokens, accounts: [...accounts.values()] };
}

function upnIn(item: unknown): string | null {
  const outer = (item ?? {}) as Record<string, unknown>;
  const device = (outer['device'] && typeof outer['device'] === 'object' ? outer['device'] : outer) as Record<string, unknown>;
  const assigned = device['assignedTo'] as Record<string, unknown> | null | undefined;
  const upn = assigned?.['userPrincipalName'];
  return typeof upn === 'string' && upn !== '' ? upn : null;
}

/** The safe part of the plan; everything else stays for a person. */
async function runFixes(inventory: Inventory, api: HardwareOathApi, tenant: string, plan: readonly Fix[], actor: Actor, now: () => number): Promise<FixResult[]> {
  const { store } = inventory;
  const repo = store.graphUploads;
  const results: FixResult[] = [];
  const toEngine: Record<UploadMode, Array<{ fix: Fix; candidate: StagingCandidate }>> = { assign: [], unassigned: [] };
  const at = () => new Date(now()).toISOString();
  const record = (fix: Fix, outcome: FixResult['outcome'], reason?: string) => {
    results.push({ serial: fix.serial, action: fix.action, outcome, ...(reason ? { reason } : {}) });
    if (outcome !== 'skipped') audit(inventory, actor, 'graph-reconcile-fix', { tenant, serial: fix.serial, fix: fix.action, outcome }, now);
  };

  for (const fix of plan.filter((f) => f.safe)) {
    const row = repo.progress(tenant, fix.serial);
    switch (fix.action) {
      case 'upload':
      case 'activate':
      case 'upload-unassigned': {
        const candidate = repo.candidateOf(fix.serial);
        const assign = fix.action !== 'upload-unassigned';
        if (!candidate || (assign && (candidate.assignmentId === null || (row?.assignmentId ?? null) !== candidate.assignmentId))) {
          record(fix, 'skipped', 'the hand-out it was uploaded for has ended at the desk');
          continue;
        }
        // The ledger says done, the tenant disagrees: start this token again (it is looked up first).
        store.write(() =>
          repo.save({
            tenant,
            serial: fix.serial,
            assignmentId: row?.assignmentId ?? null,
            batchId: row?.batchId ?? null,
            stage: fix.action === 'activate' ? 'created' : 'removed',
            userId: row?.userId ?? null,
            deviceId: fix.action === 'activate' ? (row?.deviceId ?? null) : null,
            calls: row?.calls ?? 0,
            updatedAt: at(),
          }),
        );
        toEngine[assign ? 'assign' : 'unassigned'].push({ fix, candidate });
        continue;
      }
      case 'unassign':
      case 'unassign-and-delete':
      case 'remove-duplicate': {
        const removal = removalFor(fix);
        if (!removal) {
          record(fix, 'skipped', 'the plan names no tenant object');
          continue;
        }
        try {
          await removeFromTenant(api, removal);
        } catch (error) {
          if (!(error instanceof GraphRefusal)) throw error;
          record(fix, 'failed', error.message);
          continue;
        }
        if (fix.action !== 'remove-duplicate') {
          const when = at();
          store.write(() => {
            for (const open of repo.openRemovalsOf(fix.serial)) repo.markRemovalDone(open.removalId, when);
            if (row) repo.save({ ...row, stage: 'removed', userId: null, deviceId: fix.action === 'unassign' ? row.deviceId : null, updatedAt: when });
          });
        }
        record(fix, 'done');
        continue;
      }
      case 'record-enrolment': {
        const live = repo.liveHandOutOf(fix.serial);
        const when = at();
        store.write(() => {
          repo.save({
            tenant,
            serial: fix.serial,
            assignmentId: live?.assignmentId ?? row?.assignmentId ?? null,
            batchId: live?.batchId ?? row?.batchId ?? null,
            stage: 'activated',
            userId: fix.holderId ?? null,
            deviceId: fix.tenantId ?? null,
            calls: row?.calls ?? 0,
            updatedAt: when,
          });
          if (live) repo.markTokenUploaded(fix.serial, when);
        });
        if (live?.batchId) {
          const candidate = repo.candidateOf(fix.serial);
          if (candidate) settleBatches(inventory, tenant, [candidate], undefined, now);
        }
        record(fix, 'done');
        continue;
      }
      default:
        record(fix, 'skipped', 'not a fix tokendesk runs');
    }
  }

  for (const mode of ['assign', 'unassigned'] as const) {
    const work = toEngine[mode];
    if (work.length === 0) continue;
    const context = new Map<string, HandOutContext>(work.map(({ candidate: c }) => [c.serial, { assignmentId: c.assignmentId, batchId: c.batchId }]));
    const engine = new UploadEngine({ api, ledger: new SqliteUploadLedger(inventory, tenant, context, now), mode, now });
    const run = await engine.run(work.map(({ candidate }) => handOutOf(inventory, candidate)));
    if (mode === 'assign') settleBatches(inventory, tenant, work.map((w) => w.candidate), undefined, now);
    for (const { fix } of work) {
      const token = run.tokens.find((t) => t.serial === fix.serial);
      const outcome = token?.outcome === 'failed' ? 'failed' : token?.outcome === 'left' ? 'left' : 'done';
      record(fix, outcome, token?.reason);
    }
  }
  return results;
}
