/**
 * Issue 15 item 8: seed files delivered PGP-encrypted or in a password-protected ZIP open in memory
 * and import with the normal importers; a wrong key, passphrase or password is a clear refusal
 * naming the file; and no plaintext seed lands in the temp folder (or beside the delivery).
 * The deliveries were made by GnuPG and 7-Zip (test/fixtures/formats/containers/make.sh); one AES
 * ZIP is made here by @zip.js/zip.js.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zip from '@zip.js/zip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32 } from '../../src/core/secretCodec.js';
import { DeliveryError, deliveryKind, openDelivery } from '../../src/formats/containers/index.js';
import type { DeliveryKeys } from '../../src/formats/containers/index.js';
import { detectFormat, importers } from '../../src/formats/index.js';
import { SeedFileError } from '../../src/formats/types.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { FIXTURES, fixture, toHex, utf8 } from './helpers.js';

const DIR = join(FIXTURES, 'containers');
const file = (name: string) => fixture('containers', name);
const CUSTOMER_KEY = file('customer-private-key.asc');
const KEY_PASSPHRASE = 'desk key passphrase';
const PASSWORD = 'zip and gpg password';
const CUSTOMER: DeliveryKeys = { pgpPrivateKeys: [CUSTOMER_KEY], pgpKeyPassphrase: KEY_PASSPHRASE };

/** The tokens inside every delivery (make.sh). */
const DELIVERY_SEEDS = [
  { serial: '0009000001', secret: decodeBase32('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')! },
  { serial: '0009000002', secret: decodeBase32('KRUGKIDROVUWG2ZAMJZG653OEBTG66BA')! },
];
/** Messages: neither a seed nor a password. Files: no seed (the fixture README names the passwords). */
const watch = new SecretWatch(
  DELIVERY_SEEDS.map((s) => s.secret),
  [KEY_PASSPHRASE, PASSWORD],
);
const seedWatch = new SecretWatch(DELIVERY_SEEDS.map((s) => s.secret));

/** Open, then import every inner file as the service will: detect its format, parse it. */
async function importDelivery(name: string, bytes: Uint8Array, keys: DeliveryKeys) {
  const files = await openDelivery(name, bytes, keys);
  const imported = [];
  for (const inner of files) {
    const detected = detectFormat(inner.bytes);
    if (detected.format === null) throw new Error(`${inner.path}: not a seed file`);
    imported.push({ path: inner.path, name: inner.name, result: await importers[detected.format].parse([inner.bytes]) });
  }
  return imported;
}

async function refused(run: () => Promise<unknown>): Promise<DeliveryError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toBeInstanceOf(SeedFileError);
    expect(watch.leakIn((error as Error).message)).toBeNull();
    return error as DeliveryError;
  }
  throw new Error('expected the delivery to be refused');
}

/** An AES-256 ZIP made by zip.js itself (no tool needed). */
async function zipJsAes(password: string, entries: Array<[string, Uint8Array]>): Promise<Uint8Array> {
  const writer = new zip.ZipWriter(new zip.Uint8ArrayWriter(), { password, encryptionStrength: 3 });
  for (const [name, bytes] of entries) await writer.add(name, new zip.Uint8ArrayReader(bytes));
  return writer.close();
}

/** Every file under a folder whose content holds secret material, with the fragment found. */
function leaksUnder(dir: string, except: string[] = []): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (except.includes(name)) continue;
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        const leak = seedWatch.leakIn(bytes.toString('latin1')) ?? seedWatch.leakIn(bytes.toString('hex'));
        if (leak !== null || DELIVERY_SEEDS.some((s) => bytes.includes(Buffer.from(s.secret)))) found.push(`${full}: ${leak ?? 'raw bytes'}`);
      }
    }
  };
  walk(dir);
  return found;
}

const expectSeeds = (result: { records: Array<{ serial: string; secret: Uint8Array }> }) =>
  expect(result.records.map((r) => [r.serial, toHex(r.secret)])).toEqual(DELIVERY_SEEDS.map((s) => [s.serial, toHex(s.secret)]));

describe('encrypted seed deliveries, opened in memory', () => {
  let temp: string;
  let savedTmp: string | undefined;
  let deliveryFolder: string[];

  beforeAll(() => {
    deliveryFolder = readdirSync(DIR).sort();
    // Anything a library wrote to "the temp folder" while these tests run lands here, to be scanned.
    temp = mkdtempSync(join(tmpdir(), 'tokendesk-delivery-'));
    savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    expect(tmpdir()).toBe(temp);
  });

  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(temp, { recursive: true, force: true });
  });

  it.each([
    ['box-0009.csv.gpg', CUSTOMER],
    ['box-0009.csv.asc', CUSTOMER],
    ['box-0009.csv.symmetric.gpg', { password: PASSWORD }],
    ['box-aes.zip', { password: PASSWORD }],
    ['box-zipcrypto.zip', { password: PASSWORD }],
    ['box-aes.zip.gpg', { ...CUSTOMER, password: PASSWORD }],
  ] as Array<[string, DeliveryKeys]>)('%s: the inner seed file imports with the normal importer', async (name, keys) => {
    const imported = await importDelivery(name, file(name), keys);
    expect(imported).toHaveLength(1);
    expect(imported[0]!.name).toBe('box-0009.csv');
    expect(imported[0]!.path).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')} > `));
    expect(imported[0]!.result.format).toBe('entra-csv');
    expectSeeds(imported[0]!.result);
  });

  it('an AES ZIP made by zip.js with two seed files and a macOS resource fork: both files import, the fork is left out', async () => {
    const csv = readPlainCsv();
    const bytes = await zipJsAes(PASSWORD, [
      ['box/a.csv', csv],
      ['__MACOSX/box/._a.csv', utf8('resource fork')],
      ['box/b.json', utf8(JSON.stringify([{ serialNumber: 'B1', secretKey: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', timeIntervalInSeconds: 30, manufacturer: 'T', model: 'M' }]))],
    ]);
    const imported = await importDelivery('two.zip', bytes, { password: PASSWORD });
    expect(imported.map((i) => [i.path, i.result.format, i.result.records.length])).toEqual([
      ['two.zip > box/a.csv', 'entra-csv', 2],
      ['two.zip > box/b.json', 'graph-json', 1],
    ]);
  });

  it('a file that is not a delivery comes back as itself', async () => {
    const csv = readPlainCsv();
    expect(deliveryKind(csv)).toBeNull();
    expect(await openDelivery('box.csv', csv)).toEqual([{ name: 'box.csv', path: 'box.csv', bytes: csv }]);
    expect(deliveryKind(file('box-0009.csv.gpg'))).toBe('pgp');
    expect(deliveryKind(file('box-0009.csv.asc'))).toBe('pgp');
    expect(deliveryKind(file('box-aes.zip'))).toBe('zip');
  });

  describe('refusals name the file and say what to give', () => {
    it('no key, another key, a public key, no passphrase, a wrong passphrase', async () => {
      const gpgFile = file('box-0009.csv.gpg');
      expect((await refused(() => openDelivery('box.csv.gpg', gpgFile, {}))).message).toMatch(
        /^box\.csv\.gpg is encrypted to the PGP key 0x[0-9A-F]{16}: give that private key with --pgp-key KEYFILE\.$/,
      );
      const other = await refused(() => openDelivery('box.csv.gpg', gpgFile, { pgpPrivateKeys: [file('other-private-key.asc')] }));
      expect(other.problem).toBe('wrong-key');
      expect(other.message).toMatch(/^box\.csv\.gpg is encrypted to the PGP key 0x[0-9A-F]{16}, and the key file given holds 0x[0-9A-F]{16}: give the private key the vendor encrypted to\.$/);
      expect((await refused(() => openDelivery('box.csv.gpg', gpgFile, { pgpPrivateKeys: [file('customer-public-key.asc')] }))).message).toMatch(/holds a public key/);
      expect((await refused(() => openDelivery('box.csv.gpg', gpgFile, { pgpPrivateKeys: [utf8('not a key')] }))).message).toMatch(/is not a PGP private key/);
      const noPassphrase = await refused(() => openDelivery('box.csv.gpg', gpgFile, { pgpPrivateKeys: [CUSTOMER_KEY] }));
      expect(noPassphrase.problem).toBe('needs-passphrase');
      expect(noPassphrase.message).toMatch(/--pgp-passphrase-file/);
      const wrong = await refused(() => openDelivery('box.csv.gpg', gpgFile, { pgpPrivateKeys: [CUSTOMER_KEY], pgpKeyPassphrase: 'not it' }));
      expect(wrong.problem).toBe('wrong-passphrase');
      expect(wrong.message).toMatch(/passphrase for the private key 0x[0-9A-F]{16} is wrong \(opening box\.csv\.gpg\)/);
    });

    it('a missing or wrong password: symmetric PGP, AES ZIP, ZipCrypto ZIP', async () => {
      for (const name of ['box-0009.csv.symmetric.gpg', 'box-aes.zip', 'box-zipcrypto.zip']) {
        const missing = await refused(() => openDelivery(name, file(name), {}));
        expect(missing.problem, name).toBe('needs-password');
        expect(missing.message).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')} .*--password-file FILE\\.$`));
        const wrong = await refused(() => openDelivery(name, file(name), { password: 'Tr0ub4dor&3' }));
        expect(wrong.problem, name).toBe('wrong-password');
        expect(wrong.message).toMatch(new RegExp(`^The password for ${name.replace(/\./g, '\\.')} is wrong`));
        expect(wrong.message).not.toContain('Tr0ub4dor');
      }
    });

    it('damaged deliveries: a cut PGP message, a cut ZIP', async () => {
      const gpgFile = file('box-0009.csv.gpg');
      const cut = await refused(() => openDelivery('box.csv.gpg', gpgFile.subarray(0, gpgFile.byteLength - 40), CUSTOMER));
      expect(cut.problem).toBe('damaged');
      const zipFile = file('box-aes.zip');
      expect((await refused(() => openDelivery('box.zip', zipFile.subarray(0, 100), { password: PASSWORD }))).problem).toBe('damaged');
    });

    it('a ZIP that unpacks past the cap is refused before it fills memory', async () => {
      const bomb = await zipJsAes(PASSWORD, [['zeros.csv', new Uint8Array(4 * 1024 * 1024)]]);
      expect(bomb.byteLength).toBeLessThan(64 * 1024);
      const error = await refusedWithLimit(() => openDelivery('bomb.zip', bomb, { password: PASSWORD }, { maxBytes: 1024 * 1024 }));
      expect(error.problem).toBe('too-large');
      expect(error.message).toBe('bomb.zip holds more than 1 MB once unpacked: ask the vendor to split it.');
    });
  });

  it('after every opening and import above, no plaintext seed is in the temp folder or beside the deliveries', async () => {
    // One more full pass, so this test stands alone too.
    await importDelivery('box-aes.zip.gpg', file('box-aes.zip.gpg'), { ...CUSTOMER, password: PASSWORD });
    expect(readdirSync(temp)).toEqual([]);
    expect(leaksUnder(temp)).toEqual([]);
    // Beside the deliveries: no new file, and none holds a seed (make.sh, the recipe, writes the
    // plaintext into its own temp folder and so names the seeds itself).
    expect(readdirSync(DIR).sort()).toEqual(deliveryFolder);
    expect(leaksUnder(DIR, ['make.sh'])).toEqual([]);
    expect(leaksUnder(DIR)).toEqual([`${join(DIR, 'make.sh')}: JBSWY3DPEHPK3PXP`]);
    // The scan itself finds a seed when there is one.
    expect(watch.leakIn(toHex(DELIVERY_SEEDS[0]!.secret))).not.toBeNull();
  });
});

async function refusedWithLimit(run: () => Promise<unknown>): Promise<DeliveryError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected the delivery to be refused');
}

/** The plaintext CSV, decrypted in memory from the symmetric delivery (it is never a file here). */
let plainCsv: Uint8Array | undefined;
function readPlainCsv(): Uint8Array {
  if (plainCsv === undefined) throw new Error('plaintext not loaded');
  return plainCsv;
}
beforeAll(async () => {
  const [inner] = await openDelivery('box.csv.symmetric.gpg', file('box-0009.csv.symmetric.gpg'), { password: PASSWORD });
  plainCsv = inner!.bytes;
});
