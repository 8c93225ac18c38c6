/**
 * Encrypted transport of batches: the age helpers (recipients, identities, encrypt, decrypt, and
 * messages that never quote their input), and exportEncryptedBatch: only `<file>.age` is written,
 * it decrypts to exactly the plaintext batch, the manifest and audit entry say so, void and the
 * orphan sweep know the `.age` file, and merge takes `.age` files with an identity.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { mergeBatches, type MergeConflict } from '../../src/services/batch/merge.js';
import { decryptBatch, encryptBatch, looksLikeAge, newKeyPair, parseIdentityList, parseRecipientList, recipientProblem } from '../../src/services/batch/encryption.js';
import { decryptBatchFile } from '../../src/services/batch/decrypt.js';
import { voidBatch } from '../../src/services/batch/lifecycle.js';
import { exportBatch, exportEncryptedBatch } from '../../src/services/batch/export.js';
import { sweepOrphanedBatchFiles } from '../../src/services/batch/orphans.js';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
import { ADMIN, STAFF, tempDir } from '../support/home.js';
import { SeedScanner } from '../support/secretForms.js';
import { makeTokens } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

async function keyPair(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

async function refusalOf(run: () => Promise<unknown>): Promise<Refusal> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

const labels = { file: 'batch.csv.age', identityFile: 'key.txt' };

describe('age helpers', () => {
  it('accepts X25519 recipients and says what is wrong with anything else, never quoting it', async () => {
    const { identity, recipient } = await keyPair();
    expect(recipientProblem(recipient)).toBeNull();
    expect(recipientProblem(`  ${recipient}  `)).toBeNull();
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      [identity, /secret identity.*not a recipient/],
      [recipient.slice(0, -3), /not a valid age X25519 recipient/],
      [`${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`, /not a valid/],
      ['age1pq1' + 'q'.repeat(60), /only X25519/],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB', /SSH keys/],
      ['bob@example.com', /does not start with age1/],
    ];
    for (const [value, reason] of cases) {
      const problem = recipientProblem(value);
      expect(problem, value).toMatch(reason);
      if (value.length > 8) expect(problem).not.toContain(value.trim().slice(-12));
    }
  });

  it('reads recipients and identity files as age does: one per line, # comments, blank lines; problems by line number only', async () => {
    const a = await keyPair();
    const b = await keyPair();
    const recipients = parseRecipientList(`# upload admins\n${a.recipient}\n\n  ${b.recipient}\r\n${a.recipient}\n`);
    expect(recipients).toEqual({ recipients: [a.recipient, b.recipient], problems: [] });
    const badRecipients = parseRecipientList(`${a.recipient}\n${a.identity}\nnot-a-key\n`);
    expect(badRecipients.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(JSON.stringify(badRecipients.problems)).not.toContain(a.identity);

    const pair = await newKeyPair(new Date(NOW));
    expect(pair.fileText).toBe(`# created: 2026-11-29T09:00:10Z\n# public key: ${pair.recipient}\n${pair.identity}\n`);
    expect(parseIdentityList(pair.fileText)).toEqual({ identities: [pair.identity], problems: [] });
    const damaged = pair.identity.slice(0, -2) + (pair.identity.endsWith('QQ') ? 'PP' : 'QQ');
    const badIdentities = parseIdentityList(`# mine\n${damaged}\n${pair.recipient}\n`);
    expect(badIdentities.identities).toEqual([]);
    expect(badIdentities.problems).toEqual([
      { line: 2, reason: expect.stringMatching(/not a valid age identity/) },
      { line: 3, reason: expect.stringMatching(/recipient \(public key\), not an identity/) },
    ]);
    expect(JSON.stringify(badIdentities.problems)).not.toContain(damaged.slice(0, 20));
  });

  it('round-trips a batch to several recipients, binary or armored; each identity alone decrypts', async () => {
    const a = await keyPair();
    const b = await keyPair();
    const plaintext = new Uint8Array(Buffer.from('upn,serial number,secret key\nann@example.com,0060000000001,JBSWY3DPEHPK3PXP\n'));
    const sealed = await encryptBatch(plaintext, [a.recipient, b.recipient]);
    expect(looksLikeAge(sealed)).toBe(true);
    expect(Buffer.from(sealed).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    expect(Buffer.from(sealed).includes(Buffer.from('JBSWY3DPEHPK3PXP'))).toBe(false);
    for (const identity of [a.identity, b.identity]) {
      expect(Buffer.from(await decryptBatch(sealed, [identity], labels)).equals(Buffer.from(plaintext))).toBe(true);
    }
    const armored = Buffer.from(armor.encode(sealed), 'latin1');
    expect(looksLikeAge(armored)).toBe(true);
    expect(Buffer.from(await decryptBatch(armored, [a.identity], labels)).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('refuses a wrong identity, a damaged file and a file that is not age, naming the files and never quoting input', async () => {
    const right = await keyPair();
    const wrong = await keyPair();
    const sealed = await encryptBatch(new Uint8Array(Buffer.from('hello')), [right.recipient]);

    const refused = await refusalOf(() => decryptBatch(sealed, [wrong.identity], labels));
    expect(refused.code).toBe('wrong-identity');
    expect(refused.message).toContain('batch.csv.age was not encrypted to the identity in key.txt');
    expect(refused.message).toContain(wrong.recipient); // the public key: safe and useful
    expect(refused.message).not.toContain(wrong.identity);
    expect(refused.message).not.toContain(wrong.identity.slice(16, 40));

    const cut = sealed.subarray(0, sealed.length - 7);
    expect((await refusalOf(() => decryptBatch(cut, [right.identity], labels))).code).toBe('damaged');
    const flipped = Uint8Array.from(sealed);
    flipped[flipped.length - 3]! ^= 1;
    expect((await refusalOf(() => decryptBatch(flipped, [right.identity], labels))).code).toBe('damaged');

    // The age library would quote the first line ("invalid version ..."): we do not.
    const notAge = new Uint8Array(Buffer.from('JBSWY3DPEHPK3PXP is a secret\n'));
    const notAgeRefusal = await refusalOf(() => decryptBatch(notAge, [right.identity], labels));
    expect(notAgeRefusal.code).toBe('not-age');
    expect(notAgeRefusal.message).not.toContain('JBSWY3DPEHPK3PXP');
    const badHeader = new Uint8Array(Buffer.from('age-encryption.org/v1\n-> X25519 JBSWY3DPEHPK3PXP\ngarbage\n'));
    const badHeaderRefusal = await refusalOf(() => decryptBatch(badHeader, [right.identity], labels));
    expect(badHeaderRefusal.message).not.toContain('JBSWY3DPEHPK3PXP');
  });
});

describe('exportEncryptedBatch', () => {
  const box = makeTokens(6);
  const specs = box.slice(0, 3).map((token, i) => ({ token, upn: `user${i}@example.com` }));
  const seeds = box.map((t) => ({ label: t.serial, secret: t.secret }));

  it('writes only <file>.age (0600) and a manifest with both sha256s; it decrypts to exactly the plain rewrite', async () => {
    const inventory = await desk('desk-a', box, specs);
    const { identity, recipient } = await keyPair();
    const usb = tempDir('usb-');
    const result = await exportEncryptedBatch(inventory, { format: 'graph-json', outDir: usb, encryptTo: [recipient], actor: ADMIN, now: NOW });

    const name = 'desk-a-20261129-1';
    expect(readdirSync(usb).sort()).toEqual([`tokendesk-${name}.json.age`, `tokendesk-${name}.manifest.json`]);
    expect(result.filePath).toBe(join(usb, `tokendesk-${name}.json.age`));
    expect(statSync(result.filePath!).mode & 0o777).toBe(0o600);
    const sealed = readFileSync(result.filePath!);
    const manifest = JSON.parse(readFileSync(result.manifestPath!, 'utf8'));
    // The file is Graph's body alone; who gets each token is in the manifest, in the clear (no seed there).
    expect(manifest).toEqual({ ...result.manifest, assignments: specs.map((s, i) => expect.objectContaining({ '@contentId': String(i + 1), serialNumber: s.token.serial, upn: s.upn })) });
    expect(manifest).toMatchObject({
      batch: name,
      format: 'graph-json',
      file: `tokendesk-${name}.json`,
      count: 3,
      encrypted: { format: 'age', file: `tokendesk-${name}.json.age`, sha256: sha256Hex(sealed), recipients: [recipient] },
    });
    expect(JSON.stringify(manifest)).not.toContain(identity);

    const plaintext = await decryptBatch(sealed, [identity], labels);
    expect(sha256Hex(plaintext)).toBe(manifest.sha256);
    const again = exportBatch(inventory, { batch: name, outDir: tempDir('plain-'), actor: ADMIN });
    expect(Buffer.from(plaintext).equals(readFileSync(again.filePath!))).toBe(true);

    // Nothing but ciphertext on the stick: no seed in any form in any file there.
    const scanner = new SeedScanner(seeds);
    for (const file of readdirSync(usb)) expect(scanner.scan(file, readFileSync(join(usb, file)))).toEqual([]);

    const entry = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'export'").get() as { subject: string };
    expect(JSON.parse(entry.subject)).toMatchObject({ batch: name, encrypted: true, recipients: 1, sha256: manifest.sha256, encryptedSha256: sha256Hex(sealed) });
  });

  it('writes an existing batch again encrypted (--batch), to a fresh file key each time; refuses a void batch', async () => {
    const inventory = await desk('desk-a', box, specs);
    const first = exportBatch(inventory, { format: 'entra-csv', outDir: tempDir(), actor: ADMIN, now: NOW });
    const plain = readFileSync(first.filePath!);
    const a = await keyPair();
    const b = await keyPair();
    const out = tempDir('usb-');
    const sealedOnce = await exportEncryptedBatch(inventory, { batch: 1, outDir: out, encryptTo: [a.recipient, b.recipient], actor: ADMIN });
    expect(sealedOnce.rewritten).toBe(true);
    expect(sealedOnce.manifest).toMatchObject({ sha256: first.manifest!.sha256, file: first.manifest!.file, encrypted: { recipients: [a.recipient, b.recipient] } });
    expect(readdirSync(out).sort()).toEqual([`${first.manifest!.file}.age`, 'tokendesk-desk-a-20261129-1.manifest.json']);
    const bytes1 = readFileSync(sealedOnce.filePath!);
    expect(Buffer.from(await decryptBatch(bytes1, [b.identity], labels)).equals(plain)).toBe(true);

    const sealedTwice = await exportEncryptedBatch(inventory, { batch: 'desk-a-20261129-1', outDir: out, encryptTo: [a.recipient], actor: ADMIN });
    const bytes2 = readFileSync(sealedTwice.filePath!);
    expect(bytes2.equals(bytes1)).toBe(false);
    expect(sealedTwice.manifest!.encrypted!.sha256).toBe(sha256Hex(bytes2));
    const rewrites = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'rewrite-batch' ORDER BY seq").all() as Array<{ subject: string }>;
    expect(rewrites.map((r) => JSON.parse(r.subject))).toMatchObject([{ encrypted: true, recipients: 2 }, { encrypted: true, recipients: 1 }]);

    voidBatch(inventory, { batch: 1, reason: 'wrong tenant', actor: ADMIN });
    expect((await refusalOf(() => exportEncryptedBatch(inventory, { batch: 1, encryptTo: [a.recipient], actor: ADMIN }))).code).toBe('batch-void');
    expect((await refusalOf(() => exportEncryptedBatch(inventory, { encryptTo: [a.recipient], actor: STAFF }))).code).toBe('not-allowed');
  });

  it('void removes the .age file from HOME/exports; the orphan sweep sets aside an unrecorded .age file', async () => {
    const inventory = await desk('desk-a', box, specs);
    const { recipient } = await keyPair();
    const result = await exportEncryptedBatch(inventory, { encryptTo: [recipient], actor: ADMIN, now: NOW });
    expect(existsSync(result.filePath!)).toBe(true);
    const voided = voidBatch(inventory, { batch: 1, reason: 'test', actor: ADMIN });
    expect(voided.removedFiles.sort()).toEqual([result.filePath!, result.manifestPath!].sort());

    const stray = join(inventory.paths.exports, 'tokendesk-desk-a-20261129-9.csv.age');
    writeFileSync(stray, 'left by an interrupted export');
    const swept = sweepOrphanedBatchFiles(inventory);
    expect(swept.moved.map((m) => m.from)).toEqual([stray]);
  });

  it('batch decrypt writes the plaintext 0600 and checks it against the manifest; a file encrypted from other bytes is refused', async () => {
    const inventory = await desk('desk-a', box, specs);
    const { identity, recipient } = await keyPair();
    const usb = tempDir('usb-');
    const result = await exportEncryptedBatch(inventory, { outDir: usb, encryptTo: [recipient], actor: ADMIN, now: NOW });
    const out = join(tempDir(), 'upload');
    const decrypted = await decryptBatchFile({ file: result.filePath!, identities: [identity], identityFile: 'key.txt', outDir: out });
    expect(decrypted).toMatchObject({ checked: true, batch: 'desk-a-20261129-1', count: 3, format: 'entra-csv', sha256: result.manifest!.sha256 });
    expect(decrypted.filePath).toBe(join(out, 'tokendesk-desk-a-20261129-1.csv'));
    expect(statSync(decrypted.filePath).mode & 0o777).toBe(0o600);
    expect(decrypted.manifestCopiedTo).toBe(join(out, 'tokendesk-desk-a-20261129-1.manifest.json'));
    // Again into the same folder: refused, the first file stays.
    expect((await refusalOf(() => decryptBatchFile({ file: result.filePath!, identities: [identity], identityFile: 'key.txt', outDir: out }))).code).toBe('file-exists');

    // Someone re-encrypts other bytes under the batch's name: decrypts, but not to the batch.
    writeFileSync(result.filePath!, await encryptBatch(new Uint8Array(Buffer.from('upn,serial number\n')), [recipient]));
    const other = join(tempDir(), 'other');
    expect((await refusalOf(() => decryptBatchFile({ file: result.filePath!, identities: [identity], identityFile: 'key.txt', outDir: other }))).code).toBe('sha256-mismatch');
    expect(existsSync(other) ? readdirSync(other) : []).toEqual([]);
  });

  it('batch merge takes .age files with an identity, and refuses them without one', async () => {
    const sharedBox = makeTokens(10);
    const { identity, recipient } = await keyPair();
    const deskA = await desk('desk-a', sharedBox, [{ token: sharedBox[0]!, upn: 'ann@example.com' }]);
    const deskB = await desk('desk-b', sharedBox, [{ token: sharedBox[5]!, upn: 'bob@example.com' }]);
    const a = await exportEncryptedBatch(deskA, { format: 'graph-json', outDir: tempDir('a-'), encryptTo: [recipient], actor: ADMIN, now: NOW });
    const b = exportBatch(deskB, { format: 'graph-json', outDir: tempDir('b-'), actor: ADMIN, now: NOW });

    const refusedOut = join(tempDir(), 'refused');
    let conflicts: MergeConflict[] = [];
    try {
      await mergeBatches({ files: [a.filePath!, b.filePath!], outDir: refusedOut, now: NOW });
    } catch (error) {
      conflicts = (error as Refusal).details!.conflicts as MergeConflict[];
    }
    expect(conflicts.map((c) => c.kind)).toEqual(['encrypted']);
    expect(conflicts[0]!.message).toMatch(/is encrypted \(age\): merge it with --identity FILE, or decrypt it first with `tokendesk batch decrypt/);
    expect(existsSync(refusedOut)).toBe(false);

    // The manifest named instead of the file stands for the .age file beside it.
    const merged = await mergeBatches({ files: [a.manifestPath!, b.filePath!], outDir: join(tempDir(), 'upload'), identities: [identity], identityFile: 'key.txt', now: NOW });
    expect(merged.manifest.count).toBe(2);
    expect(merged.manifest.sources.map((s) => s.batch)).toEqual(['desk-a-20261129-1', 'desk-b-20261129-1']);

    const wrong = await keyPair();
    try {
      await mergeBatches({ files: [a.filePath!, b.filePath!], outDir: join(tempDir(), 'x'), identities: [wrong.identity], identityFile: 'wrong.txt', now: NOW });
      throw new Error('expected a refusal');
    } catch (error) {
      const found = (error as Refusal).details!.conflicts as MergeConflict[];
      expect(found.map((c) => c.kind)).toEqual(['cannot-decrypt']);
      expect(found[0]!.message).not.toContain(wrong.identity);
    }
  });
});
