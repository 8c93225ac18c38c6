/**
 * `tokendesk upload [BATCH] --tenant T`: verified hand-outs into Entra through Microsoft Graph
 * (create, assign, activate), a removal batch's removals, or with --unassigned the devices alone
 * for self-service enrolment. A progress bar on a terminal (stderr), a per-token report at the
 * end; exit 1 when anything failed or is left for the next run.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { signInToGraph, signInWay, type DeviceCodePrompt, type SignInRequest } from '../services/upload/signIn.js';
import { checkGraphUrl, describeGraphEvent, tenantKey, type GraphEvent } from '../services/upload/session.js';
import { uploadToTenant, type UploadCounts, type UploadReport } from '../services/upload/upload.js';
import { asAdmin, out, printJson, reportError, withHome, withJson, withSignIn } from './shared.js';

export interface GraphSignInOptions {
  tenant?: string;
  clientId?: string;
  graphUrl?: string;
  loginAuthority?: string;
  accessTokenFile?: string;
  certificate?: string;
  privateKey?: string;
  verbose?: boolean;
}

interface UploadOptions extends GraphSignInOptions {
  home?: string;
  json?: boolean;
  unassigned?: boolean;
}

/** The sign-in flags `upload` and `reconcile` share. */
export function withGraphSignIn(command: Command): Command {
  return command
    .option('--client-id <id>', 'the app registration to sign in with: device code (a URL and a code to open on any browser), or with --certificate')
    .option('--access-token-file <file>', 'a Graph access token obtained elsewhere (az account get-access-token --resource-type ms-graph)')
    .option('--certificate <file>', 'PEM certificate of the app registration, for unattended runs (with --private-key and --client-id)')
    .option('--private-key <file>', 'PEM private key of that certificate')
    .option('--graph-url <url>', 'Microsoft Graph beta endpoint (default https://graph.microsoft.com/beta; a sovereign cloud\'s, or a test server on 127.0.0.1)')
    .option('--login-authority <url>', 'sign-in host (default https://login.microsoftonline.com; a sovereign cloud\'s)')
    .option('--verbose', 'one line per Graph request on stderr (method, path, status; never a body)');
}

/** Flags checked before the home is opened or anyone is asked for a PIN: a bad one is a usage error (2). */
export function signInRequestOf(options: GraphSignInOptions, tenantRequired: boolean): SignInRequest | null {
  if (options.tenant === undefined) {
    if (tenantRequired) throw new UsageError('--tenant T is required: the tenant\'s id or domain, e.g. contoso.onmicrosoft.com');
    return null;
  }
  const request: SignInRequest = {
    tenant: tenantKey(options.tenant),
    clientId: options.clientId,
    graphUrl: checkGraphUrl(options.graphUrl),
    loginAuthority: options.loginAuthority,
    accessTokenFile: options.accessTokenFile,
    certificateFile: options.certificate,
    privateKeyFile: options.privateKey,
    showDeviceCode: showDeviceCode,
  };
  signInWay(request);
  return request;
}

function showDeviceCode(prompt: DeviceCodePrompt): void {
  process.stderr.write(`tokendesk: ${prompt.message}\n`);
  process.stderr.write(`tokendesk: waiting up to ${Math.round(prompt.expiresInSeconds / 60)} minutes for the sign-in (${prompt.verificationUri}, code ${prompt.userCode})...\n`);
}

export function graphEventPrinter(verbose: boolean | undefined): ((event: GraphEvent) => void) | undefined {
  return verbose ? (event) => process.stderr.write(`tokendesk: graph: ${describeGraphEvent(event)}\n`) : undefined;
}

export function registerUpload(program: Command): void {
  withGraphSignIn(withSignIn(withJson(withHome(program.command('upload')))))
    .description('put verified hand-outs into Entra through Microsoft Graph: create each token, assign it to its employee and activate it (admin)')
    .argument('[batch]', 'batch name or number; a removal batch unassigns/deletes its tokens (default: every hand-out waiting for Graph)')
    .option('--tenant <tenant>', "the tenant's id or domain, e.g. contoso.onmicrosoft.com")
    .option('--unassigned', 'create the tokens without a holder: employees add them themselves at My Security Info (self-service)')
    .action(async (batch: string | undefined, options: UploadOptions) => {
      let signIn: SignInRequest;
      try {
        signIn = signInRequestOf(options, true)!;
      } catch (error) {
        process.exitCode = reportError(error, options.json ?? false);
        return;
      }
      await asAdmin(options, async (inventory, actor) => {
        const tokens = await signInToGraph(inventory, signIn);
        const bar = options.json || options.verbose || !process.stderr.isTTY ? null : progressBar();
        let report: UploadReport;
        try {
          report = await uploadToTenant(inventory, {
            tenant: signIn.tenant,
            batch,
            mode: options.unassigned ? 'unassigned' : 'assign',
            tokens,
            graphUrl: signIn.graphUrl,
            actor,
            onProgress: bar?.update,
            onEvent: graphEventPrinter(options.verbose),
          });
        } finally {
          bar?.end();
        }
        if (options.json) printJson({ ok: report.status === 'uploaded', ...report });
        else printReport(report);
        return report.status === 'uploaded' ? 0 : 1;
      });
    });
}

function printReport(report: UploadReport): void {
  const c = report.counts;
  const what = report.kind === 'removal' ? 'removed' : report.mode === 'unassigned' ? 'staged' : 'activated';
  const where = report.batch ? `batch ${report.batch}` : report.mode === 'unassigned' ? 'stock' : 'hand-outs waiting for Graph';
  out(`Upload to ${report.tenant} (${where}): ${c.done} of ${c.total} token(s) ${what}${c.failed ? `, ${c.failed} failed` : ''}${c.left ? `, ${c.left} left for the next run` : ''}.`);
  for (const note of report.notes) out(`Note: ${note}`);
  if (report.stoppedBy) out(`Stopped: ${report.stoppedBy.message}`);
  out('');
  out(`${'SERIAL'.padEnd(16)} ${'UPN'.padEnd(32)} ${'OUTCOME'.padEnd(12)} WHAT TO DO`);
  for (const t of report.tokens) out(`${t.serial.padEnd(16)} ${(t.upn || '-').padEnd(32)} ${t.outcome.padEnd(12)} ${t.reason ?? ''}`.trimEnd());
  for (const s of report.skipped) out(`${s.serial.padEnd(16)} ${''.padEnd(32)} ${'skipped'.padEnd(12)} ${s.reason}`);
  out('');
  for (const b of report.batches) {
    out(b.status === 'uploaded' ? `Batch ${b.batch} is uploaded.` : `Batch ${b.batch} is partly uploaded (${b.activated} of ${b.total}).`);
  }
  if (report.status !== 'uploaded') out('Run the same command again to finish: tokens already done are not sent twice.');
}

/** One line on stderr, redrawn at most ten times a second. */
function progressBar(): { update: (counts: UploadCounts) => void; end: () => void } {
  let last = 0;
  let drawn = false;
  const draw = (c: UploadCounts) => {
    const width = 30;
    const filled = c.total === 0 ? width : Math.round(((c.done + c.failed) / c.total) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${c.done}/${c.total} done, ${c.failed} failed, ${c.left} left\x1b[K`);
    drawn = true;
  };
  return {
    update: (counts) => {
      const now = Date.now();
      if (now - last < 100 && counts.left > 0) return;
      last = now;
      draw(counts);
    },
    end: () => {
      if (drawn) process.stderr.write('\n');
    },
  };
}
