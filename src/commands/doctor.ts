import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { Refusal } from '../core/errors.js';
import { homePaths, lifecycle, resolveHomeDir, secureHome, type Inventory } from '../services/home.js';
import { inventoryHealth } from '../services/health.js';
import { seedCopiesLeft } from '../services/batch/files.js';
import { scannerDoctorReport } from './scanner.js';
import { auditSummary } from './audit.js';
import { homeNeedsPassphrase, note, openHome, out, printJson, run, withHome, withJson, type CommonOptions } from './shared.js';

interface Check {
  name: string;
  ok: boolean;
  summary: string;
}

export function registerDoctor(program: Command): void {
  withJson(withHome(program.command('doctor')))
    .description('check the database, the key, the audit trail (head file, triggers, batches), the scanner and the clock')
    .action(async (options: CommonOptions) => {
      await run(options, async () => {
        const checks: Check[] = [...(await homeChecks(options)), ...(await Promise.all([scannerCheck()])), clockCheck()];
        if (options.json) printJson({ ok: checks.every((c) => c.ok), checks });
        else for (const c of checks) out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(9)} ${c.summary}`);
        return checks.every((c) => c.ok) ? 0 : 1;
      });
    });
}

async function homeChecks(options: CommonOptions): Promise<Check[]> {
  const dir = resolveHomeDir(options.home);
  try {
    for (const message of secureHome(dir)) note(message);
    if (homeNeedsPassphrase(dir) && options.passphraseFile === undefined && !process.stdin.isTTY) {
      return [
        {
          name: 'database',
          ok: true,
          summary: `${homePaths(dir).database}: passphrase mode, not unlocked; add --passphrase-file FILE to check the database, the key and the audit trail`,
        },
      ];
    }
    const { inventory } = await openHome(options);
    try {
      const { counts, chain, integrity } = inventoryHealth(inventory);
      const [verdict, ...details] = auditSummary(chain);
      return [
        {
          name: 'database',
          ok: integrity === 'ok',
          summary:
            `${inventory.paths.database}: desk ${inventory.deskId}, ${counts['in-stock']} in stock, ${counts.assigned} handed out and not yet exported; ` +
            `key ok (${inventory.keyMode} mode); integrity ${integrity}`,
        },
        { name: 'audit', ok: chain.ok, summary: [verdict, ...details].join(`\n${' '.repeat(16)}`) },
        codeClockCheck(inventory),
        seedCopiesCheck(inventory),
      ];
    } finally {
      inventory.close();
    }
  } catch (error) {
    if (error instanceof Refusal) return [{ name: 'database', ok: false, summary: error.message }];
    throw error;
  }
}

/** What recent code checks say about the kiosk clock: many tokens from different imports at one offset point at it. */
function codeClockCheck(inventory: Inventory): Check {
  const suspicion = lifecycle.kioskClockSuspicion(inventory);
  return suspicion
    ? { name: 'codes', ok: false, summary: suspicion.message }
    : { name: 'codes', ok: true, summary: 'recent code checks do not point at the kiosk clock' };
}

async function scannerCheck(): Promise<Check> {
  const report = await scannerDoctorReport();
  return { name: 'scanner', ok: report.ok, summary: report.summary };
}

/** TOTP depends on the kiosk clock: say what it reads and whether the system keeps it in sync. */
function clockCheck(): Check {
  const now = new Date().toISOString();
  const timedatectl = spawnSync('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { encoding: 'utf8', timeout: 2000 });
  if (timedatectl.status === 0) {
    const synced = timedatectl.stdout.trim() === 'yes';
    return {
      name: 'clock',
      ok: synced,
      summary: `${now}; ${synced ? 'synchronised by NTP' : 'NOT synchronised by NTP: codes may be refused as drift. Enable time sync (timedatectl set-ntp true)'}`,
    };
  }
  return { name: 'clock', ok: true, summary: `${now}; NTP state unknown here (no timedatectl): compare with a phone's clock` };
}

/** Plaintext batch files of void or purged batches that tokendesk could not remove: they still hold seeds. */
function seedCopiesCheck(inventory: Inventory): Check {
  const left = seedCopiesLeft(inventory);
  if (left.length === 0) return { name: 'seeds', ok: true, summary: 'no plaintext batch file of a void or purged batch is left where this desk wrote it' };
  const lines = left.map((f) => `${f.path} (batch ${f.batch}, ${f.why}${f.present ? '' : '; its folder cannot be reached now'})`);
  return {
    name: 'seeds',
    ok: false,
    summary: [`${left.length} plaintext batch file(s) that hold seeds should be gone: for a purged batch, run \`tokendesk batch mark-uploaded BATCH --purge-seeds\` again with the folder reachable; otherwise delete them by hand`, ...lines].join(`\n${' '.repeat(16)}`),
  };
}
