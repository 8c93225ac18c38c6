/**
 * `tokendesk tokens return|lost|broken|replace|restock|release|retire|drift`: after the hand-out.
 * Staff record returns, losses and breakage; admins restock, release and retire. Each prints what
 * changed (or one JSON document) and exits 0, or 1 when refused (nothing changed).
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { describeOffset } from '../core/drift.js';
import { lifecycle } from '../services/home.js';
import { askHidden, readStdinLine, stdinIsTerminal } from './prompts.js';
import { asAdmin, asStaff, oneOf, out, printJson, withHome, withInventory, withJson, withSignIn } from './shared.js';

type Options = { home?: string; json?: boolean; as?: string; pinStdin?: boolean; note?: string; reason?: string; code?: string; condition?: string };

function endedLine(result: lifecycle.EndResult): string {
  const holder = result.upn ? ` (was ${result.upn}'s)` : '';
  const removal = result.removal
    ? ` The identity provider must ${result.removal.action} it: it goes in the next removal batch (\`tokendesk export --removals\`).`
    : '';
  return `Token ${result.serial}${holder}: ${result.from} -> ${result.to}.${removal}`;
}

export function registerTokenLifecycle(tokens: Command): void {
  const endings = [
    ['return', 'the holder gave the token back: it waits for an admin to restock it', lifecycle.returnToken],
    ['lost', 'the token is lost: never handed out again', lifecycle.reportLost],
    ['broken', 'the token is broken: out of service', lifecycle.reportBroken],
  ] as const;
  for (const [name, description, service] of endings) {
    withSignIn(withJson(withHome(tokens.command(name))))
      .description(description)
      .argument('<serial>')
      .option('--note <text>', 'why, in a few words (kept in the audit trail)')
      .action(async (serial: string, options: Options) => {
        await asStaff(options, (inventory, actor) => {
          const result = service(inventory, { serial, note: options.note, actor });
          if (options.json) return printJson({ ok: true, ...result });
          out(endedLine(result));
        });
      });
  }

  withSignIn(withJson(withHome(tokens.command('replace'))))
    .description("record the end of a holder's token for a replacement; then hand out the new one with `assign --replaces ID`")
    .argument('<serial>', 'the old token')
    .requiredOption('--condition <c>', 'what became of the old token: returned, lost or broken')
    .option('--note <text>', 'why, in a few words')
    .action(async (serial: string, options: Options) => {
      const condition = oneOf<lifecycle.ReplacedCondition>(options.condition ?? '', ['returned', 'lost', 'broken'], '--condition');
      await asStaff(options, (inventory, actor) => {
        const result = lifecycle.replaceToken(inventory, { serial, condition, note: options.note, actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(endedLine(result));
        out(`Now hand out the replacement: tokendesk assign --upn ${result.upn} --replaces ${result.replacesAssignmentId} --serial NEW --code CODE`);
      });
    });

  withSignIn(withJson(withHome(tokens.command('restock'))))
    .description('an admin puts a returned token back in stock after a fresh code check')
    .argument('<serial>')
    .option('--code <code>', 'the code the token shows now (default: asked on the terminal, or a line of stdin with --pin-stdin)')
    .action(async (serial: string, options: Options) => {
      await asAdmin(options, async (inventory, actor) => {
        const code = options.code ?? (await codeOf(serial, options));
        const result = lifecycle.restockToken(inventory, { serial, code, actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(`Token ${result.serial} is back in stock (clock ${describeOffset(result.offsetSteps, result.period)}).`);
      });
    });

  withSignIn(withJson(withHome(tokens.command('release'))))
    .description('an admin lets a quarantined token back into stock')
    .argument('<serial>')
    .option('--note <text>', 'what was checked')
    .action(async (serial: string, options: Options) => {
      await asAdmin(options, (inventory, actor) => {
        const result = lifecycle.releaseToken(inventory, { serial, note: options.note, actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(`Token ${result.serial} is back in stock (it was quarantined${result.quarantineReason ? ` for ${result.quarantineReason}` : ''}).`);
      });
    });

  withSignIn(withJson(withHome(tokens.command('retire'))))
    .description('an admin takes a token out of service for good')
    .argument('<serial>')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .action(async (serial: string, options: Options) => {
      await asAdmin(options, (inventory, actor) => {
        const result = lifecycle.retireToken(inventory, { serial, note: options.reason ?? '', actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(endedLine(result));
      });
    });

  withJson(withHome(tokens.command('drift')))
    .description('drift by import and model, and whether the kiosk clock itself looks off')
    .action(async (options: Options) => {
      await withInventory(options, (inventory) => {
        const rows = lifecycle.driftReport(inventory);
        const clock = lifecycle.kioskClockSuspicion(inventory);
        if (options.json) return printJson({ ok: true, clock, imports: rows });
        if (clock) out(`Careful: ${clock.message}.`);
        if (rows.length === 0) return out('The inventory is empty: import a seed file with `tokendesk import FILE`.');
        out(`${'IMPORT'.padEnd(6)} ${'FILE'.padEnd(24)} ${'MODEL'.padEnd(18)} ${'TOKENS'.padStart(7)} ${'QUARANTINED'.padStart(11)} ${'MEAN'.padStart(6)} ${'MAX'.padStart(5)}  (offsets in steps)`);
        for (const r of rows) {
          out(
            `${String(r.importId).padEnd(6)} ${r.fileName.slice(0, 24).padEnd(24)} ${r.model.slice(0, 18).padEnd(18)} ${String(r.tokens).padStart(7)} ` +
              `${String(r.quarantinedForDrift).padStart(11)} ${(r.meanOffsetSteps === null ? '-' : String(r.meanOffsetSteps)).padStart(6)} ${String(r.maxOffsetSteps ?? '-').padStart(5)}`,
          );
        }
      });
    });
}

/** The token's code, never echoed: a line of stdin after the PIN with --pin-stdin, else asked on the terminal. */
async function codeOf(serial: string, options: Options): Promise<string> {
  if (options.pinStdin) return readStdinLine(`the code of token ${serial}`);
  if (stdinIsTerminal()) return askHidden(`Code token ${serial} shows now: `);
  throw new UsageError('give the code the token shows: --code CODE, type it on a terminal, or pipe it with --pin-stdin');
}
