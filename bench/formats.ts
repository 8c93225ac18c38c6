/**
 * `npm run bench`, the seed formats: each import beside floors measured in the same run, on the
 * same machine; imports and the insert floor each run in their own child process so peak memory
 * is per run.
 *   1. PSKC, 10,000 TOTP keys encrypted with AES-128-CBC, HMAC-SHA256 ValueMACs, the key derived
 *      once per file with PBKDF2. Floors: the raw better-sqlite3 insert of the same rows; plus the
 *      crypto no import can skip (PBKDF2 once, AES-CBC + HMAC per key, sealing each seed with
 *      AES-256-GCM for storage); plus saxes alone tokenizing the same bytes.
 *   2. OATH CSV, 100,000 rows. Floors: the raw insert of the same rows; plus sealing the seeds.
 *   3. peak memory of each import vs the insert floor's process.
 * The crypto and XML floors run single-threaded in this process; the import seals on a worker
 * thread, so on an idle machine with two cores it can come close to them.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { initHome } from '../src/store/db.js';
import { SeedVault } from '../src/store/seedVault.js';

const PSKC_KEYS = Number(process.env.BENCH_PSKC_KEYS ?? 10_000);
const CSV_ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PBKDF2_ITERATIONS = 100_000;
const PASSWORD = 'bench: correct horse battery staple';
const child = fileURLToPath(new URL('./formats-child.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-formats-'));

interface Run {
  ms: number;
  rows: number;
  maxRssMb: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const n = (value: number) => value.toLocaleString('en-US');
const serialOf = (i: number) => String(60_000_000_000 + i).padStart(13, '0');

/** Runs the child for each mode, ROUNDS times, each time into a fresh home. */
function measure(name: string, file: string, rowsFile: string, extra: string[] = []): Record<'import' | 'floor', Run[]> {
  const runs: Record<'import' | 'floor', Run[]> = { import: [], floor: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['floor', 'import'] as const) {
      const home = join(work, `${name}-${mode}-${round}`);
      initHome(home, { deskId: 'bench' });
      const args = mode === 'import' ? [child, mode, file, home, ...extra] : [child, mode, rowsFile, home];
      const run = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as Run;
      if (run.rows !== (name === 'pskc' ? PSKC_KEYS : CSV_ROWS)) throw new Error(`${name} ${mode}: ${run.rows} rows`);
      runs[mode].push(run);
      rmSync(home, { recursive: true, force: true });
    }
  }
  return runs;
}

function line(label: string, value: string, floor: string, ratio: number, target: number | null): void {
  const verdict = target === null ? '' : ` (target <= ${target}x) ${ratio <= target ? 'ok' : 'OVER TARGET'}`;
  console.log(`${label.padEnd(40)} ${value.padStart(10)}   floor ${floor.padStart(26)}   ${ratio.toFixed(2)}x${verdict}`);
}

function memoryLine(label: string, runs: Record<'import' | 'floor', Run[]>, target: number): void {
  const peak = Math.max(...runs.import.map((r) => r.maxRssMb));
  const floorPeak = Math.max(...runs.floor.map((r) => r.maxRssMb));
  console.log(
    `${label.padEnd(40)} ${`${peak.toFixed(0)} MB`.padStart(10)}   floor ${`${floorPeak.toFixed(0)} MB`.padStart(26)}   ` +
      `(target < ${target} MB) ${peak < target ? 'ok' : 'OVER TARGET'}`,
  );
}

/* ---------------------------------------------------------------- the files */

interface PskcBench {
  xml: string;
  /** What the file makes node:crypto do, for the crypto floor. */
  salt: Buffer;
  macKeyCipher: Buffer;
  ciphertexts: Buffer[];
}

/** A vendor-style PSKC file: PBKDF2-SHA256 key, AES-128-CBC secrets, HMAC-SHA256 ValueMACs. */
function pskcFile(keys: number): PskcBench {
  const salt = randomBytes(16);
  const key = pbkdf2Sync(PASSWORD, salt, PBKDF2_ITERATIONS, 16, 'sha256');
  const macKey = randomBytes(32);
  const encrypt = (plain: Buffer): Buffer => {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([iv, cipher.update(plain), cipher.final()]);
  };
  const aes = 'http://www.w3.org/2001/04/xmlenc#aes128-cbc';
  const macKeyCipher = encrypt(macKey);
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<pskc:KeyContainer Version="1.0" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
    '    xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"',
    '    xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">',
    '  <pskc:EncryptionKey>',
    '    <xenc11:DerivedKey>',
    '      <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">',
    '        <pkcs5:PBKDF2-params>',
    `          <Salt><Specified>${salt.toString('base64')}</Specified></Salt>`,
    `          <IterationCount>${PBKDF2_ITERATIONS}</IterationCount>`,
    '          <KeyLength>16</KeyLength>',
    '          <PRF Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>',
    '        </pkcs5:PBKDF2-params>',
    '      </xenc11:KeyDerivationMethod>',
    '      <xenc11:MasterKeyName>Bench password</xenc11:MasterKeyName>',
    '    </xenc11:DerivedKey>',
    '  </pskc:EncryptionKey>',
    '  <pskc:MACMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256">',
    '    <pskc:MACKey>',
    `      <xenc:EncryptionMethod Algorithm="${aes}"/>`,
    `      <xenc:CipherData><xenc:CipherValue>${macKeyCipher.toString('base64')}</xenc:CipherValue></xenc:CipherData>`,
    '    </pskc:MACKey>',
    '  </pskc:MACMethod>',
  ];
  const ciphertexts: Buffer[] = [];
  for (let i = 0; i < keys; i++) {
    const secret = encrypt(randomBytes(20));
    ciphertexts.push(secret);
    parts.push(
      '  <pskc:KeyPackage>',
      '    <pskc:DeviceInfo>',
      '      <pskc:Manufacturer>Token2</pskc:Manufacturer>',
      `      <pskc:SerialNo>${serialOf(i)}</pskc:SerialNo>`,
      '      <pskc:Model>C202</pskc:Model>',
      '    </pskc:DeviceInfo>',
      `    <pskc:Key Id="${serialOf(i)}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">`,
      '      <pskc:Issuer>Token2</pskc:Issuer>',
      '      <pskc:AlgorithmParameters>',
      '        <pskc:Suite>HMAC-SHA1</pskc:Suite>',
      '        <pskc:ResponseFormat Length="6" Encoding="DECIMAL"/>',
      '      </pskc:AlgorithmParameters>',
      '      <pskc:Data>',
      '        <pskc:Secret>',
      '          <pskc:EncryptedValue>',
      `            <xenc:EncryptionMethod Algorithm="${aes}"/>`,
      `            <xenc:CipherData><xenc:CipherValue>${secret.toString('base64')}</xenc:CipherValue></xenc:CipherData>`,
      '          </pskc:EncryptedValue>',
      `          <pskc:ValueMAC>${createHmac('sha256', macKey).update(secret).digest('base64')}</pskc:ValueMAC>`,
      '        </pskc:Secret>',
      '        <pskc:Time><pskc:PlainValue>0</pskc:PlainValue></pskc:Time>',
      '        <pskc:TimeInterval><pskc:PlainValue>30</pskc:PlainValue></pskc:TimeInterval>',
      '      </pskc:Data>',
      '    </pskc:Key>',
      '  </pskc:KeyPackage>',
    );
  }
  parts.push('</pskc:KeyContainer>', '');
  return { xml: parts.join('\n'), salt, macKeyCipher, ciphertexts };
}

/** What the PSKC file costs in node:crypto alone: PBKDF2 once, then per key AES-CBC + HMAC. */
function cryptoFloorMs(bench: PskcBench): number {
  const decrypt = (key: Buffer, data: Buffer): Buffer => {
    const decipher = createDecipheriv('aes-128-cbc', key, data.subarray(0, 16));
    return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  };
  const start = performance.now();
  const key = pbkdf2Sync(PASSWORD, bench.salt, PBKDF2_ITERATIONS, 16, 'sha256');
  const macKey = decrypt(key, bench.macKeyCipher);
  for (const ciphertext of bench.ciphertexts) {
    createHmac('sha256', macKey).update(ciphertext).digest();
    decrypt(key, ciphertext);
  }
  return performance.now() - start;
}

/** Sealing `rows` 20-byte seeds for storage, exactly as the vault does it, on one thread. */
function sealFloorMs(rows: number): number {
  const vault = new SeedVault(randomBytes(32));
  const secrets = Array.from({ length: rows }, () => randomBytes(20));
  const start = performance.now();
  secrets.forEach((secret, i) => vault.seal(serialOf(i), secret));
  return performance.now() - start;
}

/** saxes alone over the file (namespaces and positions on, as the importer uses it; no work per element). */
function xmlScanMs(xml: string): number {
  const start = performance.now();
  const parser = new SaxesParser({ xmlns: true, position: true });
  parser.on('opentag', () => {});
  parser.on('text', () => {});
  parser.on('closetag', () => {});
  for (let i = 0; i < xml.length; i += 256 * 1024) parser.write(xml.slice(i, i + 256 * 1024));
  parser.close();
  return performance.now() - start;
}

function oathCsvFile(rows: number): string {
  const lines = ['# serial, seed, type, otp length, time step, hash'];
  for (let i = 0; i < rows; i++) lines.push(`${serialOf(i)},${randomBytes(20).toString('hex')},totp,6,30,sha1`);
  return `${lines.join('\n')}\n`;
}

function rowsFile(name: string, count: number): string {
  const path = join(work, `${name}.rows.tsv`);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`${serialOf(i)}\t20\tSHA1\t6\t30`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

try {
  console.log(`tokendesk format bench (median of ${ROUNDS}; node ${process.version})`);

  // ---- 1: PSKC ---------------------------------------------------------------------------------
  const pskc = pskcFile(PSKC_KEYS);
  const pskcPath = join(work, 'box.pskcxml');
  writeFileSync(pskcPath, pskc.xml);
  const pskcRuns = measure('pskc', pskcPath, rowsFile('pskc', PSKC_KEYS), [PASSWORD]);
  const cryptoMs = median(Array.from({ length: ROUNDS }, () => cryptoFloorMs(pskc) + sealFloorMs(PSKC_KEYS)));
  const scanMs = median(Array.from({ length: ROUNDS }, () => xmlScanMs(pskc.xml)));
  const pskcMs = median(pskcRuns.import.map((r) => r.ms));
  const pskcInsertMs = median(pskcRuns.floor.map((r) => r.ms));
  const pskcLabel = `import ${n(PSKC_KEYS)} PSKC keys (${(pskc.xml.length / 1024 / 1024).toFixed(1)} MB)`;
  line(pskcLabel, `${pskcMs.toFixed(0)} ms`, `insert ${pskcInsertMs.toFixed(0)} ms`, pskcMs / pskcInsertMs, null);
  const withCrypto = pskcInsertMs + cryptoMs;
  line(`  AES-128-CBC, HMAC-SHA256, PBKDF2 ${n(PBKDF2_ITERATIONS / 1000)}k`, '', `+ crypto ${withCrypto.toFixed(0)} ms`, pskcMs / withCrypto, null);
  // Above the saxes scan: each KeyPackage built as a small tree, every value decoded and checked.
  line('  (XML read with saxes)', '', `+ saxes scan ${(withCrypto + scanMs).toFixed(0)} ms`, pskcMs / (withCrypto + scanMs), 2);
  memoryLine('peak memory of the PSKC import', pskcRuns, 300);

  // ---- 2: OATH CSV -----------------------------------------------------------------------------
  const csvPath = join(work, 'box.oath.csv');
  writeFileSync(csvPath, oathCsvFile(CSV_ROWS));
  const csvRuns = measure('oath', csvPath, rowsFile('oath', CSV_ROWS));
  const csvMs = median(csvRuns.import.map((r) => r.ms));
  const csvFloorMs = median(csvRuns.floor.map((r) => r.ms));
  const sealMs = median(Array.from({ length: ROUNDS }, () => sealFloorMs(CSV_ROWS)));
  line(`import ${n(CSV_ROWS)} OATH CSV rows`, `${csvMs.toFixed(0)} ms`, `insert ${csvFloorMs.toFixed(0)} ms`, csvMs / csvFloorMs, null);
  line('', '', `+ sealing ${(csvFloorMs + sealMs).toFixed(0)} ms`, csvMs / (csvFloorMs + sealMs), 2);
  memoryLine('peak memory of the OATH CSV import', csvRuns, 300);
} finally {
  rmSync(work, { recursive: true, force: true });
}
