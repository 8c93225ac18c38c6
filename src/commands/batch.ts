import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeOffset } from '../core/drift.js';
import { UsageError } from '../core/errors.js';
import { createIdentityFile, decryptBatchFile } from '../services/batch/decrypt.js';
import { parseIdentityList } from '../services/batch/encryption.js';
import { listBatches, markUploaded, showBatch, voidBatch, type FilesOutcome, type LeftFile } from '../services/batch/lifecycle.js';
import { MERGEABLE_FORMATS, mergeBatches } from '../services/batch/merge.js';
import { sweepOrphanedBatchFiles } from '../services/batch/orphans.js';
import { printOrphans } from './export.js';
import { asAdmin, out, printJson, run, withHome, withInventory, withJson, withSignIn } from './shared.js';

/** The copies of a batch's files tokendesk could not remove: they may hold seeds, so the admin must. */
function printLeftFiles(left: LeftFile[]): void {
  for (const file of left) {
    out(`  NOT removed ${file.path}${file.holdsSeeds ? ' (holds seeds in plain text)' : ''}: ${file.reason}`);
  }
  if (left.some((f) => f.holdsSeeds)) out('  Delete those copies by hand: until then the seeds in them are not only in the identity provider.');
}

function printPurgedFiles(files: FilesOutcome): void {
  for (const path of files.removed) out(`  removed ${path} (overwritten with zeros, then deleted)`);
  for (const path of files.alreadyGone) out(`  already gone ${path}`);
  printLeftFiles(files.left);
  for (const file of files.kept) out(`  kept ${file.path} (${file.role === 'encrypted' ? 'encrypted with age: it still opens with the identity it was encrypted to' : 'no seed in it'})`);
  if (files.left.length === 0) out('  No plaintext copy of these seeds that this desk wrote is left; copies you made yourself (USB stick, share, mail) are yours to delete.');
}

export function registerBatch(program: Command): void {
  const batch = program.command('batch').description('exported batches: list, show, void, mark uploaded, merge; decrypt and keygen for encrypted ones');

  withJson(withHome(batch.command('list')))
    .description('list batches, newest first')
    .action(async (options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const orphaned = sweepOrphanedBatchFiles(inventory);
        const rows = listBatches(inventory);
        if (options.json) return printJson({ ok: true, batches: rows, orphaned });
        printOrphans(orphaned);
        if (rows.length === 0) return out('No batches yet: `tokendesk export` makes one from verified hand-outs.');
        out(`${'BATCH'.padEnd(28)} ${'FORMAT'.padEnd(10)} ${'TOKENS'.padStart(6)}  ${'STATUS'.padEnd(9)} CREATED`);
        for (const b of rows) {
          out(`${b.name.padEnd(28)} ${b.format.padEnd(10)} ${String(b.rowCount).padStart(6)}  ${b.status.padEnd(9)} ${b.createdAt} by ${b.createdBy}${b.kind === 'removal' ? '  (removal batch)' : ''}`);
        }
      });
    });

  withJson(withHome(batch.command('show')))
    .description('one batch and its tokens: serial, UPN, token name, verified at, clock offset (never a secret)')
    .argument('<id>', 'batch name (e.g. hq-20261129-1) or number')
    .action(async (id: string, options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const details = showBatch(inventory, id);
        if (options.json) return printJson({ ok: true, ...details });
        const b = details.batch;
        out(`Batch ${b.name} (#${b.id}): ${b.rowCount} token(s) in ${b.format}, ${b.status}`);
        out(`  created   ${b.createdAt} by ${b.createdBy} at desk ${b.deskId}`);
        out(`  file      ${b.fileName}  sha256 ${b.sha256}`);
        if (b.uploadedAt) out(`  uploaded  ${b.uploadedAt}${details.seedsPurged > 0 ? `, ${details.seedsPurged} seed(s) purged` : ''}`);
        if (b.voidedAt) out(`  void      ${b.voidedAt}: ${b.voidReason}; its hand-outs went back to waiting`);
        for (const f of details.files) {
          const state = f.removedAt ? `removed ${f.removedAt}` : f.holdsSeeds ? 'still there as far as tokendesk knows: HOLDS SEEDS' : 'still there';
          out(`  wrote     ${f.path} (${f.role}; ${state})`);
        }
        if (b.kind === 'removal') {
          out('  kind      removal: tokens the identity provider must forget');
          out('');
          out(`${'SERIAL'.padEnd(16)} ${'FROM'.padEnd(32)} ${'ACTION'.padEnd(9)} ${'REASON'.padEnd(9)} DONE`);
          for (const r of details.removals) out(`${r.serial.padEnd(16)} ${r.upn.padEnd(32)} ${r.action.padEnd(9)} ${r.reason.padEnd(9)} ${r.doneAt ?? '-'}`);
          return;
        }
        if (details.rows.length === 0) return;
        out('');
        out(`${'SERIAL'.padEnd(16)} ${'UPN'.padEnd(32)} ${'TOKEN NAME'.padEnd(20)} ${'VERIFIED AT'.padEnd(24)} OFFSET`);
        for (const r of details.rows) {
          out(`${r.serial.padEnd(16)} ${r.upn.padEnd(32)} ${r.displayName.padEnd(20)} ${r.verifiedAt.padEnd(24)} ${r.offsetSteps} step(s), ${describeOffset(r.offsetSteps, r.period)}`);
        }
      });
    });

  withSignIn(withJson(withHome(batch.command('void'))))
    .description('the batch was not uploaded and will not be: its hand-outs go back to waiting for export (admin)')
    .argument('<id>', 'batch name or number')
    .requiredOption('--reason <text>', 'why, for the audit trail')
    .action(async (id: string, options: { home?: string; json?: boolean; reason: string }) => {
      await asAdmin(options, (inventory, actor) => {
        const result = voidBatch(inventory, { batch: id, reason: options.reason, actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(`Batch ${result.batch} is void: ${result.returnedToWaiting} hand-out(s) are waiting for export again.`);
        for (const path of result.removedFiles) out(`  removed ${path} (overwritten, then deleted)`);
        printLeftFiles(result.leftFiles);
        out('Delete any copy of its file you made yourself (USB stick, share, mail): it must not be uploaded. Export again for a new batch.');
      });
    });

  withSignIn(withJson(withHome(batch.command('mark-uploaded'))))
    .description('record that the batch was uploaded to the identity provider (admin)')
    .argument('<id>', 'batch name or number')
    .option('--purge-seeds', "delete this batch's seeds from the database (they are in the identity provider now)")
    .action(async (id: string, options: { home?: string; json?: boolean; purgeSeeds?: boolean }) => {
      await asAdmin(options, (inventory, actor) => {
        const result = markUploaded(inventory, { batch: id, purgeSeeds: options.purgeSeeds ?? false, actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(result.newlyMarked ? `Batch ${result.batch} marked uploaded (${result.uploadedAt}).` : `Batch ${result.batch} was already marked uploaded (${result.uploadedAt}).`);
        if (result.removalsDone !== null) return out(`${result.removalsDone} removal(s) recorded done: the identity provider forgot those tokens.`);
        if (options.purgeSeeds) {
          out(`Purged ${result.purged} seed(s)${result.alreadyPurged > 0 ? ` (${result.alreadyPurged} were already gone)` : ''}: those tokens can no longer be checked at this desk's self-check, and the batch cannot be written again.`);
          if (result.walCleared === false) out('  The database was busy: the old bytes leave its log at the next checkpoint (close the kiosk and run any command).');
          if (result.files) printPurgedFiles(result.files);
        } else {
          out(`Seeds are still stored; once the tokens are activated: tokendesk batch mark-uploaded ${result.batch} --purge-seeds`);
        }
      });
    });

  withJson(withHome(batch.command('merge')))
    .description(`combine ${MERGEABLE_FORMATS.join(' or ')} batches from several desks into one upload, after checking them (each with its manifest beside it)`)
    .argument('<files...>', 'batch files')
    .requiredOption('--out <dir>', 'folder for the merged file and its manifest')
    .option('--identity <file>', 'age identity file (AGE-SECRET-KEY-1...) to merge encrypted .age batch files in memory')
    .action(async (files: string[], options: { home?: string; json?: boolean; out: string; identity?: string }) => {
      await run(options, async () => {
        const identities = options.identity === undefined ? undefined : readIdentityFile(options.identity);
        const result = await mergeBatches({ files, outDir: options.out, identities, identityFile: options.identity });
        if (options.json) return printJson({ ok: true, ...result });
        const m = result.manifest;
        out(`Merged ${m.sources.length} batch(es) into ${m.count} token(s) of ${m.format}:`);
        for (const s of m.sources) out(`  ${s.batch.padEnd(28)} ${String(s.count).padStart(6)}  ${s.file}`);
        out(`  file      ${result.filePath}`);
        out(`  manifest  ${result.manifestPath}`);
        out(`  sha256    ${m.sha256}`);
        out('Upload this one file; then mark each source batch uploaded at its own desk.');
      });
    });

  withJson(withHome(batch.command('decrypt')))
    .description('the upload admin\'s side of `export --encrypt-to`: write the plaintext batch file of an encrypted .age file, checked against its manifest')
    .argument('<file>', 'the encrypted batch file (tokendesk-....age)')
    .requiredOption('--identity <file>', 'age identity file: AGE-SECRET-KEY-1... lines, # comments (as `batch keygen` or age-keygen write it)')
    .option('--out <dir>', 'folder for the plaintext batch file (default: beside the encrypted file)')
    .action(async (file: string, options: { home?: string; json?: boolean; identity: string; out?: string }) => {
      await run(options, async () => {
        const identities = readIdentityFile(options.identity);
        const result = await decryptBatchFile({ file, identities, identityFile: options.identity, outDir: options.out });
        if (options.json) return printJson({ ok: true, ...result });
        out(`Decrypted ${resolve(file)}`);
        out(`  file      ${result.filePath} (0600)`);
        out(`  sha256    ${result.sha256}`);
        if (result.checked) out(`  checked   matches the manifest of batch ${result.batch}: ${result.count} token(s) in ${result.format}`);
        else if (result.manifestPath) out(`  not checked: ${result.manifestPath} is not a readable tokendesk manifest`);
        else out('  not checked: no manifest was found beside the encrypted file (copy tokendesk-<batch>.manifest.json with it)');
        if (result.manifestCopiedTo) out(`  manifest  copied to ${result.manifestCopiedTo}`);
        out('The file holds seeds in the clear: upload it, then delete it.');
      });
    });

  withJson(withHome(batch.command('keygen')))
    .description('make an age key pair for receiving encrypted batches: the identity goes in a 0600 file, the public key (age1...) is printed for the desk')
    .requiredOption('--out <file>', 'the identity file to create (never overwritten)')
    .action(async (options: { home?: string; json?: boolean; out: string }) => {
      await run(options, async () => {
        const { identityFile, recipient } = await createIdentityFile(options.out);
        if (options.json) return printJson({ ok: true, identityFile, recipient });
        out(`Wrote the identity (the secret key) to ${identityFile} (0600). Keep it on the upload admin's machine, never on the desk.`);
        out('The public key, for the desk: tokendesk export --encrypt-to <this>');
        out(recipient);
      });
    });
}

/** An age identity file; a problem names the flag, file and line, never the line's text. */
function readIdentityFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--identity: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const parsed = parseIdentityList(text);
  const first = parsed.problems[0];
  if (first) {
    const more = parsed.problems.length > 1 ? ` (and ${parsed.problems.length - 1} more line(s))` : '';
    throw new UsageError(`--identity ${file}, line ${first.line}: ${first.reason}${more}`);
  }
  if (parsed.identities.length === 0) throw new UsageError(`--identity ${file} holds no age identity (AGE-SECRET-KEY-1...)`);
  return parsed.identities;
}
