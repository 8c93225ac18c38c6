import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { decodeHex } from '../core/secretCodec.js';
import { describeWhere } from '../formats/seedRules.js';
import { SEED_FORMATS, type HashAlgorithm, type SeedFormat } from '../formats/types.js';
import { importSeedFiles, type ImportReport } from '../services/importSeeds.js';
import { readSecretFile } from './prompts.js';
import { asAdmin, oneOf, out, printJson, withHome, withJson, withSignIn } from './shared.js';

interface ImportOptions {
  home?: string;
  json?: boolean;
  format: string;
  dryRun?: boolean;
  skipRejected?: boolean;
  secretEncoding: string;
  hash?: string;
  psk?: string;
  passwordFile?: string;
  pgpKey?: string[];
  pgpPassphraseFile?: string;
  manufacturer?: string;
  model?: string;
  allowShortSeeds?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A key file's bytes; a usage error (exit 2) naming the flag when it cannot be read. */
function readKeyFile(file: string, flag: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

export function registerImport(program: Command): void {
  withSignIn(withJson(withHome(program.command('import'))))
    .description('import a seed file into the inventory (all or nothing)')
    .argument('<file>', 'the vendor\'s seed file')
    .option('--format <format>', `auto or one of ${SEED_FORMATS.join(', ')}`, 'auto')
    .option('--dry-run', 'print the report and write nothing')
    .option('--skip-rejected', 'import the good rows of a file with unreadable rows (default: refuse the file)')
    .option('--secret-encoding <enc>', 'how CSV secrets are written: auto, base32 or hex', 'auto')
    .option('--hash <alg>', 'hash of tokens whose file does not say: SHA1, SHA256 or SHA512')
    .option('--psk <hex>', 'PSKC pre-shared key, in hex')
    .option('--password-file <file>', 'password of a PSKC file, a password-protected ZIP or a password-only PGP message (first line of this file)')
    .option('--pgp-key <keyfile>', 'for a PGP-encrypted delivery: the private key it is encrypted to (armored or binary; repeat for several)', collect)
    .option('--pgp-passphrase-file <file>', "the PGP private key's passphrase (first line of this file)")
    .option('--manufacturer <name>', 'manufacturer for tokens whose file names none (default: from the file name, e.g. box-token2-c202.csv)')
    .option('--model <name>', 'model for tokens whose file names none')
    .option('--allow-short-seeds', 'accept seeds under 128 bits (RFC 4226 asks for at least that); recorded in the audit log')
    .addHelpText(
      'after',
      '\nEncrypted deliveries (Token2 and others) are opened in memory and every seed file inside is imported,\n' +
        'all or nothing; the plaintext never reaches the disk:\n' +
        '  tokendesk import box.csv.gpg --pgp-key customer-private.asc [--pgp-passphrase-file pass.txt]\n' +
        '  tokendesk import box.zip --password-file zip-password.txt\n',
    )
    .action(async (file: string, options: ImportOptions) => {
      await asAdmin(options, async (inventory, actor) => {
        const format = options.format === 'auto' ? 'auto' : oneOf<SeedFormat>(options.format, SEED_FORMATS, '--format');
        const secretEncoding = oneOf(options.secretEncoding, ['auto', 'base32', 'hex'] as const, '--secret-encoding');
        const hash = options.hash ? oneOf<HashAlgorithm>(options.hash.toUpperCase().replace('-', ''), ['SHA1', 'SHA256', 'SHA512'], '--hash') : undefined;
        let psk: Uint8Array | undefined;
        if (options.psk !== undefined) {
          psk = decodeHex(options.psk) ?? undefined;
          if (!psk) throw new UsageError('--psk takes the pre-shared key in hex (e.g. 12345678901234567890123456789012)');
        }
        const password = options.passwordFile ? readSecretFile(options.passwordFile, '--password-file') : undefined;
        const pgpKeys = options.pgpKey?.map((keyFile) => readKeyFile(keyFile, '--pgp-key'));
        const pgpPassphrase = options.pgpPassphraseFile ? readSecretFile(options.pgpPassphraseFile, '--pgp-passphrase-file') : undefined;
        const progress = !options.json && process.stderr.isTTY ? progressLine(file) : undefined;
        const reports = await importSeedFiles(inventory, {
          file,
          format,
          dryRun: options.dryRun,
          skipRejected: options.skipRejected,
          secretEncoding,
          hash,
          psk,
          password,
          pgpKeys,
          pgpPassphrase,
          manufacturer: options.manufacturer,
          model: options.model,
          allowShortSeeds: options.allowShortSeeds,
          actor,
          onProgress: progress?.update,
        });
        progress?.done();
        const ok = reports.every((r) => !r.refusal || r.alreadyImported);
        if (options.json) printJson(reports.length === 1 ? { ok, ...reports[0]! } : { ok, file, files: reports });
        else reports.forEach((report, i) => {
          if (i > 0) out('');
          printReport(report);
        });
        return ok ? 0 : 1;
      });
    });
}

function progressLine(file: string): { update: (read: number, total: number) => void; done: () => void } {
  let last = 0;
  return {
    update(read, total) {
      const now = Date.now();
      if (now - last < 100 && read < total) return;
      last = now;
      const pct = total > 0 ? Math.floor((read / total) * 100) : 100;
      process.stderr.write(`\rreading ${file}: ${pct}%`);
    },
    done() {
      process.stderr.write('\r\x1b[K');
    },
  };
}

/** "line 12"; for a PSKC key "key 7 (line 30)" (the id the vendor's list shows); for Graph JSON "element 3". */
function whereText(format: SeedFormat, where: { line?: number; keyId?: string }): string {
  if (where.line === undefined && where.keyId === undefined) return '';
  if (format === 'graph-json' && where.line === undefined) return `element ${where.keyId}`;
  return describeWhere(where);
}

function printReport(report: ImportReport): void {
  const n = (v: number) => v.toLocaleString('en-US');
  out(`${report.dryRun ? 'Dry run of the import of' : 'Import of'} ${report.fileName} (${report.format}, ${n(report.size)} bytes, sha256 ${report.sha256.slice(0, 12)}...)`);
  if (report.alreadyImported) {
    out(`  ${report.refusal}`);
    return;
  }
  out(`  tokens read        ${n(report.records)}`);
  out(`  new                ${n(report.added)}${report.preassigned ? ` (${n(report.preassigned)} pre-assigned to a UPN)` : ''}`);
  out(`  already in stock   ${n(report.alreadyPresent)}`);
  out(`  rejected rows      ${n(report.rejects.length)}`);
  out(`  skipped keys       ${n(report.skipped.length)}`);
  if (report.groups.length > 0) {
    out('');
    out('  New tokens by kind:');
    for (const g of report.groups) {
      out(`    ${`${g.manufacturer} ${g.model}`.padEnd(24)} ${g.algorithm.padEnd(6)} ${g.digits} digits  ${String(g.period).padStart(2)} s  ${n(g.count).padStart(9)}`);
    }
  }
  const list = (title: string, items: Array<{ where?: { line?: number; keyId?: string }; serial?: string; reason?: string; message?: string }>) => {
    if (items.length === 0) return;
    out('');
    out(`  ${title}:`);
    for (const item of items.slice(0, 20)) {
      const place = [item.where ? whereText(report.format, item.where) : '', item.serial ? `serial ${item.serial}` : ''].filter(Boolean).join(', ');
      out(`    ${place ? `${place}: ` : ''}${item.reason ?? item.message}`);
    }
    if (items.length > 20) out(`    ... and ${n(items.length - 20)} more (use --json for all)`);
  };
  list('Conflicts', report.conflicts);
  list('Rejected rows', report.rejects);
  list('Skipped keys', report.skipped);
  list('Warnings', report.warnings);
  out('');
  if (report.refusal) out(`Refused: ${report.refusal}.`);
  else if (report.dryRun) out('Dry run: nothing was written.');
  else out(`Imported ${n(report.added)} token(s) as import #${report.importId}.`);
}
