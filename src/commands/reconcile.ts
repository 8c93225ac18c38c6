/**
 * `tokendesk reconcile --tenant T | --from FILE [--fix]`: the tenant's hardware tokens against the
 * desk's ledger, a plan to fix what differs, and with --fix the safe part of it (admin).
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Inventory } from '../services/home.js';
import type { Actor } from '../services/actor.js';
import { reconcileTenant, type ReconcileReport } from '../services/upload/reconcileTenant.js';
import { signInToGraph, type SignInRequest } from '../services/upload/signIn.js';
import { asAdmin, out, printJson, reportError, withHome, withInventory, withJson, withSignIn } from './shared.js';
import { graphEventPrinter, signInRequestOf, withGraphSignIn, type GraphSignInOptions } from './upload.js';

interface ReconcileOptions extends GraphSignInOptions {
  home?: string;
  json?: boolean;
  from?: string;
  fix?: boolean;
}

export function registerReconcile(program: Command): void {
  withGraphSignIn(withSignIn(withJson(withHome(program.command('reconcile')))))
    .description("compare the tenant's hardware tokens with the desk's ledger and print a plan; --fix runs its safe part (admin)")
    .option('--tenant <tenant>', "the tenant's id or domain: read it through Graph (with a sign-in), or pick the ledger for --from")
    .option('--from <file>', 'the saved JSON of GET /directory/authenticationMethodDevices/hardwareOathDevices (every page in one array) instead of asking Graph')
    .option('--fix', 'carry out the safe part of the plan through Graph, each step audited (needs --tenant and a sign-in)')
    .action(async (options: ReconcileOptions) => {
      let signIn: SignInRequest | null;
      try {
        if (options.fix && options.from !== undefined) throw new UsageError('--fix changes the tenant, so it needs --tenant and a sign-in, not --from');
        if (options.from === undefined && options.tenant === undefined) throw new UsageError('reconcile needs --tenant T (with a sign-in) or --from FILE');
        signIn = options.from === undefined ? signInRequestOf(options, true) : null;
      } catch (error) {
        process.exitCode = reportError(error, options.json ?? false);
        return;
      }
      const body = async (inventory: Inventory, actor?: Actor) => {
        const report = await reconcileTenant(inventory, {
          tenant: options.tenant,
          from: options.from,
          tokens: signIn ? await signInToGraph(inventory, signIn) : undefined,
          graphUrl: signIn?.graphUrl,
          fix: options.fix,
          actor,
          onEvent: graphEventPrinter(options.verbose),
        });
        const fixFailed = (report.fixes ?? []).some((f) => f.outcome === 'failed' || f.outcome === 'left');
        if (options.json) printJson({ ok: !fixFailed, ...report });
        else printReconcile(report, options);
        return fixFailed ? 1 : 0;
      };
      if (options.fix) await asAdmin(options, body);
      else await withInventory(options, (inventory) => body(inventory));
    });
}

function printReconcile(report: ReconcileReport, options: ReconcileOptions): void {
  const source = report.source === 'file' ? `the file ${options.from}` : `tenant ${report.tenant}`;
  out(`${source}: ${report.tenantTokens} hardware token(s); the desk's ledger for ${report.tenant || '(no tenant yet)'}: ${report.deskTokens}.`);
  for (const note of report.notes) out(`Note: ${note}`);
  if (report.mismatches.length === 0) {
    out('They agree: nothing to fix.');
  } else {
    out('');
    out(`${report.mismatches.length} difference(s):`);
    for (const m of report.mismatches) out(`  ${m.kind.padEnd(24)} ${m.serial.padEnd(16)} ${m.detail}`);
    out('');
    out('Plan:');
    for (const f of report.plan) out(`  ${(f.safe ? '[safe]' : '[person]').padEnd(9)} ${f.action.padEnd(20)} ${f.serial.padEnd(16)} ${f.why}`);
  }
  if (report.fixes) {
    out('');
    out(`Fixes run: ${report.fixes.filter((f) => f.outcome === 'done').length} of ${report.fixes.length} done.`);
    for (const f of report.fixes) out(`  ${f.outcome.padEnd(8)} ${f.action.padEnd(20)} ${f.serial.padEnd(16)} ${f.reason ?? ''}`.trimEnd());
  } else {
    const safe = report.plan.filter((f) => f.safe).length;
    if (safe > 0 && report.source === 'tenant') out(`\n${safe} step(s) are safe to run: the same command with --fix carries them out.`);
  }
}
