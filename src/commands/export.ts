import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { exporters } from '../formats/index.js';
import { BATCH_FORMATS, type BatchFormat } from '../formats/types.js';
import { parseRecipientList, recipientProblem } from '../services/batch/encryption.js';
import { exportBatch, exportEncryptedBatch } from '../services/batch/export.js';
import type { OrphanReport } from '../services/batch/orphans.js';
import type { ExportResult } from '../services/batch/types.js';
import { normaliseSince } from '../services/batch/waiting.js';
import { USER_NAME_SOURCES, type UserNameSource } from '../services/batch/render.js';
import { isRemovalFormat, REMOVAL_FORMATS, type RemovalFormat } from '../formats/removalList.js';
import { exportRemovalBatch } from '../services/batch/removals.js';
import type { Actor } from '../services/actor.js';
import type { Inventory } from '../services/home.js';
import { asAdmin, oneOf, out, printJson, reportError, withHome, withJson, withSignIn } from './shared.js';

interface ExportOptions {
  home?: string;
  json?: boolean;
  format?: string;
  out?: string;
  since?: string;
  desk?: string;
  batch?: string;
  skipUnsupported?: boolean;
  encryptTo: string[];
  encryptToFile: string[];
  realm?: string;
  resolver?: string;
  userName?: string;
  removals?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerExport(program: Command): void {
  withSignIn(withJson(withHome(program.command('export'))))
    .description('write a new batch of verified hand-outs not yet exported, for upload to the identity provider')
    .option('--format <format>', `${BATCH_FORMATS.map((f) => `${f}: ${exporters[f].description}`).join('; ')}. Default: entra-csv; with --batch: the batch's own`)
    .option('--out <dir>', 'folder for the batch file and its manifest (default: HOME/exports)')
    .option('--since <time>', 'only hand-outs verified at or after this time, e.g. 2026-11-29 or 2026-11-29T08:00:00Z')
    .option('--desk <id>', 'only hand-outs made at this desk id')
    .option('--batch <id>', 'write this existing batch (name or number) again, byte for byte as first exported')
    .option('--skip-unsupported', 'leave tokens this format cannot carry waiting instead of refusing')
    .option('--pi-realm, --realm <realm>', 'privacyIDEA/LinOTP: the realm the users are found in (oath-csv needs one)')
    .option('--pi-resolver, --resolver <resolver>', 'privacyIDEA: the resolver (default: the realm searches its resolvers)')
    .option('--user-name <source>', `the holder's name in user columns (oath-csv, linotp-csv, multiotp-csv): ${USER_NAME_SOURCES.join(', ')} (roster columns; default upn)`)
    .option('--encrypt-to <recipient>', 'write the batch file only encrypted (age) to this X25519 recipient, age1...; repeatable', collect, [])
    .option('--removals', `a removal batch instead: the tokens the identity provider must forget (returned, lost, broken, replaced, retired after upload). --format ${REMOVAL_FORMATS.join(', ')}`)
    .option('--encrypt-to-file <file>', 'like --encrypt-to, for each recipient in this file (one per line, # comments); repeatable', collect, [])
    .action(async (options: ExportOptions) => {
      // Settled before anyone is asked for a PIN: a bad recipient is a usage error (2).
      let recipients: string[];
      try {
        recipients = recipientsOf(options);
      } catch (error) {
        process.exitCode = reportError(error, options.json ?? false);
        return;
      }
      await asAdmin(options, async (inventory, actor) => {
        const format = options.format === undefined ? undefined : oneOf<BatchFormat>(options.format, BATCH_FORMATS, '--format');
        if (options.removals) return exportRemovals(inventory, actor, options, format, recipients.length > 0);
        if (options.since !== undefined) {
          try {
            normaliseSince(options.since);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        }
        if (
          options.batch !== undefined &&
          (options.since !== undefined || options.desk !== undefined || options.skipUnsupported || options.realm !== undefined || options.resolver !== undefined || options.userName !== undefined)
        ) {
          throw new UsageError('--batch writes an existing batch again as it was: it cannot be combined with --since, --desk, --skip-unsupported, --realm, --resolver or --user-name');
        }
        const request = {
          format,
          outDir: options.out,
          since: options.since,
          desk: options.desk,
          batch: options.batch,
          skipUnsupported: options.skipUnsupported,
          ...exportFormatOptions(options),
          actor,
        };
        const result: ExportResult =
          recipients.length > 0 ? await exportEncryptedBatch(inventory, { ...request, encryptTo: recipients }) : exportBatch(inventory, request);
        // Nothing waiting is "nothing changed": exit 1, as every command says it (scripts can tell).
        const nothing = result.manifest ? 0 : 1;
        if (options.json) {
          printJson({ ok: true, ...result });
          return nothing;
        }
        printOrphans(result.orphaned);
        if (!result.manifest) {
          const filtered = options.since !== undefined || options.desk !== undefined ? ' that match --since/--desk' : '';
          out(`Nothing to export: no verified hand-outs${filtered} are waiting. Nothing was written.`);
        } else {
          const m = result.manifest;
          out(result.rewritten ? `Batch ${m.batch} written again, byte for byte: ${m.count} token(s) in ${m.format}` : `Batch ${m.batch}: ${m.count} token(s) in ${m.format}`);
          out(`  file      ${result.filePath}`);
          out(`  manifest  ${result.manifestPath}`);
          if (result.assignmentListPath) out(`  assign    ${result.assignmentListPath} (who gets which token: assign each row after the import; no seed in it)`);
          if (m.layout !== undefined && m.format === 'graph-json') out('  The file is the Graph bulk-create body, to send as-is; who gets each token is in the manifest ("assignments").');
          if (m.encrypted) {
            out(`  sha256    ${m.sha256} (of the plaintext, checked by \`batch decrypt\`)`);
            out(`  encrypted age, to ${m.encrypted.recipients.length} recipient(s); sha256 of the .age file ${m.encrypted.sha256}`);
            out('Only the encrypted file was written. The upload admin decrypts it with');
            out(`  tokendesk batch decrypt ${m.encrypted.file} --identity KEY_FILE   (or: age -d -i KEY_FILE -o ${m.file} ${m.encrypted.file})`);
          } else {
            out(`  sha256    ${m.sha256}`);
            out('The file holds seeds: move it to the identity provider and delete it from removable media after upload.');
          }
          out(`After the upload: tokendesk batch mark-uploaded ${m.batch} --purge-seeds`);
        }
        for (const left of result.leftWaiting) out(`  left waiting: ${left.serial} (${left.reason})`);
        return nothing;
      });
    });
}

/** `export --removals`: checked like any export, then one removal batch (services/batch/removals.ts). */
function exportRemovals(inventory: Inventory, actor: Actor, options: ExportOptions, format: BatchFormat | undefined, encrypted: boolean): void {
  const clash = [
    options.batch !== undefined && '--batch',
    options.since !== undefined && '--since',
    options.desk !== undefined && '--desk',
    options.skipUnsupported && '--skip-unsupported',
    options.realm !== undefined && '--realm',
    options.resolver !== undefined && '--resolver',
    options.userName !== undefined && '--user-name',
    encrypted && '--encrypt-to',
  ].filter((x): x is string => typeof x === 'string');
  if (clash.length > 0) throw new UsageError(`--removals takes every removal waiting and holds no seed: it cannot be combined with ${clash.join(', ')}`);
  if (format !== undefined && !isRemovalFormat(format)) {
    throw new UsageError(`--removals --format ${format}: no removal list in that format; use one of ${REMOVAL_FORMATS.join(', ')} (entra-csv writes a plain checklist)`);
  }
  const result = exportRemovalBatch(inventory, { format, outDir: options.out, actor });
  if (options.json) return printJson({ ok: true, kind: 'removal', ...result });
  printOrphans(result.orphaned);
  if (!result.manifest) return out('Nothing to export: no removal is waiting (tokens taken back after upload). Nothing was written.');
  const m = result.manifest;
  out(`Removal batch ${m.batch}: ${m.count} token(s) for the identity provider to forget, in ${m.format}`);
  out(`  file      ${result.filePath}`);
  out(`  manifest  ${result.manifestPath}`);
  out(`  sha256    ${m.sha256}`);
  out(`  ${REMOVAL_NEXT[m.format as RemovalFormat]}`);
  out(`When the identity provider has followed: tokendesk batch mark-uploaded ${m.batch}`);
}

const REMOVAL_NEXT: Record<RemovalFormat, string> = {
  'graph-json': 'Carry it out through Graph: tokendesk upload BATCH --tenant T (it marks the batch uploaded when every token is done).',
  'oath-csv': 'privacyIDEA: for each row, POST /token/unassign (unassign) or DELETE /token/SERIAL (delete); the file says so at its top.',
  'linotp-csv': 'LinOTP: for each row, POST /admin/unassign (unassign) or POST /admin/remove (delete); the file says so at its top.',
  'entra-csv': 'Entra admin centre: work through the checklist (the CSV upload cannot remove tokens).',
};

export function printOrphans(report: OrphanReport): void {
  for (const moved of report.moved) {
    out(`Set aside ${moved.from} -> ${moved.to}: an interrupted export left it and no batch of that name was recorded.`);
  }
  if (report.moved.length > 0) out('  Those files hold seeds: delete them once you have checked them. Their hand-outs are still waiting.');
  for (const temp of report.removedTemps) out(`Removed the temp file ${temp} of an interrupted export.`);
}

/** --encrypt-to and --encrypt-to-file, checked; a problem names the flag and the line, never the value. */
function recipientsOf(options: ExportOptions): string[] {
  const recipients: string[] = [];
  options.encryptTo.forEach((value, i) => {
    const problem = recipientProblem(value);
    const which = options.encryptTo.length > 1 ? ` (the ${ordinal(i + 1)} one)` : '';
    if (problem) throw new UsageError(`--encrypt-to${which}: ${problem}`);
    recipients.push(value.trim());
  });
  for (const file of options.encryptToFile) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--encrypt-to-file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const parsed = parseRecipientList(text);
    const first = parsed.problems[0];
    if (first) {
      const more = parsed.problems.length > 1 ? ` (and ${parsed.problems.length - 1} more line(s))` : '';
      throw new UsageError(`--encrypt-to-file ${file}, line ${first.line}: ${first.reason}${more}`);
    }
    if (parsed.recipients.length === 0) throw new UsageError(`--encrypt-to-file ${file} holds no recipient (age1...)`);
    recipients.push(...parsed.recipients);
  }
  return [...new Set(recipients)];
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

/** --realm, --resolver and --user-name, checked: for the formats that write users (privacyIDEA, LinOTP, multiOTP). */
function exportFormatOptions(options: ExportOptions): { options?: { realm?: string; resolver?: string }; userName?: UserNameSource } {
  const userName = options.userName === undefined ? undefined : oneOf<UserNameSource>(options.userName, USER_NAME_SOURCES, '--user-name');
  const formatOptions = {
    ...(options.realm !== undefined ? { realm: options.realm } : {}),
    ...(options.resolver !== undefined ? { resolver: options.resolver } : {}),
  };
  return { ...(Object.keys(formatOptions).length > 0 ? { options: formatOptions } : {}), ...(userName ? { userName } : {}) };
}
