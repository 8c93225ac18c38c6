import type { Command } from 'commander';
import { describeOffset } from '../core/drift.js';
import { TOKEN_STATUSES, tokenDetails, tokenList, type TokenStatus } from '../services/tokens.js';
import { limitOption } from './options.js';
import { oneOf, out, printJson, withHome, withInventory, withJson } from './shared.js';
import { registerTokenLifecycle } from './tokenLifecycle.js';

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('the token inventory (never shows a secret)');

  withJson(withHome(tokens.command('list')))
    .description('list tokens')
    .option('--status <status>', `only tokens in this state: ${TOKEN_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (1 to 1000000)', limitOption(1_000_000))
    .action(async (options: { home?: string; json?: boolean; status?: string; limit?: number }) => {
      await withInventory(options, (inventory) => {
        const status = options.status ? oneOf<TokenStatus>(options.status, TOKEN_STATUSES, '--status') : undefined;
        const rows = tokenList(inventory, { status, limit: options.limit });
        if (options.json) return printJson({ ok: true, tokens: rows });
        if (rows.length === 0) return out(status ? `No tokens are ${status}.` : 'The inventory is empty: import a seed file with `tokendesk import FILE`.');
        out(`${'SERIAL'.padEnd(20)} ${'STATUS'.padEnd(11)} ${'MODEL'.padEnd(20)} ALG     DIGITS PERIOD`);
        for (const t of rows) {
          const flags = [t.lockedUntilMs && t.lockedUntilMs > Date.now() ? 'locked' : '', t.seedPurged ? 'seed purged' : ''].filter(Boolean).join(', ');
          out(`${t.serial.padEnd(20)} ${t.status.padEnd(11)} ${`${t.manufacturer} ${t.model}`.padEnd(20)} ${t.algorithm.padEnd(7)} ${String(t.digits).padEnd(6)} ${t.period}s${flags ? `  (${flags})` : ''}`);
        }
        out(`${rows.length} token(s)`);
      });
    });

  withJson(withHome(tokens.command('show')))
    .description('one token, with its hand-out history')
    .argument('<serial>')
    .action(async (serial: string, options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const { token, assignments: history } = tokenDetails(inventory, serial);
        if (options.json) return printJson({ ok: true, token, assignments: history });
        out(`Token ${token.serial}`);
        out(`  model          ${token.manufacturer} ${token.model}`);
        out(`  kind           TOTP ${token.algorithm}, ${token.digits} digits, ${token.period} s`);
        out(`  status         ${token.status}${token.seedPurged ? ' (seed purged)' : ''}${token.statusChangedAt ? ` since ${token.statusChangedAt}` : ''}`);
        if (token.status === 'quarantined') {
          out(`  quarantined    ${token.quarantineReason ?? 'no reason recorded'}${token.quarantineOffsetSteps !== null ? `, clock ${describeOffset(token.quarantineOffsetSteps, token.period)}` : ''}`);
        }
        out(`  clock          ${describeOffset(token.driftSteps, token.period)}`);
        out(`  wrong codes    ${token.failedAttempts}${token.lockedUntilMs && token.lockedUntilMs > Date.now() ? `, locked until ${new Date(token.lockedUntilMs).toISOString()}` : ''}`);
        if (token.preassignedUpn) out(`  pre-assigned   ${token.preassignedUpn}`);
        for (const a of history) {
          out(`  handed out     ${a.verifiedAt} to ${a.upn} as "${a.displayName}" by ${a.assignedBy}${a.batchId ? `, batch #${a.batchId}` : ''}${a.undoneAt ? `, undone ${a.undoneAt}: ${a.undoReason}` : ''}`);
        }
      });
    });

  registerTokenLifecycle(tokens);
}
