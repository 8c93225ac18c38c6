/**
 * Every refusal issue 5 names, through the import service into a real inventory: the file is
 * refused, the database is byte for byte what it was, and the message names the file, says what
 * to do next, and carries no secret material (no seed in any encoding, no key, no password).
 */
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { importSeeds, type ImportRequest } from '../../src/services/importSeeds.js';
import type { Inventory } from '../../src/store/db.js';
import { fixtureText, hex, utf8 } from '../formats/helpers.js';
import { FIXTURE_PASSWORD, PSK_128, PSK_256, SEEDS } from '../formats/pskcFixtures.js';
import { ADMIN, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { ENTRA_HEADER, entraCsv, makeTokens } from '../support/seedFiles.js';

const RFC_PSK = hex('12345678901234567890123456789012');
const WRONG_PSK_128 = hex('ff0102030405060708090a0b0c0d0e0f');
const rfc = (figure: number) => fixtureText('pskc', 'rfc6030', `figure${figure}.pskcxml`);
const generated = (name: string) => fixtureText('pskc', 'generated', `${name}.pskcxml`);
const asTotp = (xml: string) => xml.replace(/keyprov:pskc:hotp/g, 'keyprov:pskc:totp');
const container = (inner: string, attributes = 'Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"') =>
  `<?xml version="1.0"?>\n<KeyContainer ${attributes}>${inner}</KeyContainer>\n`;

const tokens = makeTokens(4, { prefix: '0042' });
const watch = new SecretWatch(
  [...Object.values(SEEDS), utf8('12345678901234567890'), utf8('1234'), ...tokens.map((t) => t.secret)],
  ['qwerty', 'qwertz', FIXTURE_PASSWORD, 'not the password', ...[RFC_PSK, WRONG_PSK_128, PSK_128, PSK_256].map((k) => Buffer.from(k).toString('hex'))],
);

/**
 * Imports the file into an inventory that already holds a token, and returns why it was refused
 * (a Refusal thrown, or the report's refusal), after checking the database did not change.
 */
async function refusedWith(name: string, content: string | Uint8Array, request: Partial<ImportRequest> = {}): Promise<string> {
  const inventory: Inventory = freshInventory();
  const stocked = await importSeeds(inventory, { file: writeTemp('stock.csv', entraCsv(makeTokens(2, { prefix: '0099' }))), actor: ADMIN });
  expect(stocked.committed).toBe(true);
  const before = snapshot(inventory.paths.database);
  let message: string;
  try {
    const report = await importSeeds(inventory, { file: writeTemp(name, content), actor: ADMIN, ...request });
    expect(report.committed).toBe(false);
    expect(report.refusal).toBeDefined();
    message = report.refusal!;
    // Everything the report lists is shown to the admin too: no secrets there either.
    expect(watch.leakIn(JSON.stringify({ rejects: report.rejects, skipped: report.skipped, warnings: report.warnings }))).toBeNull();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    message = error.message;
  }
  expect(snapshot(inventory.paths.database)).toBe(before);
  expect(message).toContain(name);
  expect(watch.leakIn(message), message).toBeNull();
  return message;
}

describe('import refusals: wrong keys and tampering (PSKC)', () => {
  it('a wrong pre-shared key (RFC 6030 figure 6, and a generated AES-128-CBC file)', async () => {
    expect(await refusedWith('figure6.pskcxml', rfc(6), { psk: hex('12345678901234567890123456789013') })).toMatch(
      /^figure6\.pskcxml: .*the pre-shared key is wrong.*Check the --psk value \(hex\) against the key the vendor sent.* Nothing was imported\.$/,
    );
    expect(await refusedWith('box.pskcxml', generated('totp-aes128-cbc'), { psk: WRONG_PSK_128 })).toMatch(/pre-shared key is wrong.*Check the --psk value/);
    expect(await refusedWith('wrap.pskcxml', generated('totp-kw-aes128'), { psk: WRONG_PSK_128 })).toMatch(/pre-shared key is wrong.*Check the --psk value/);
  });

  it('no pre-shared key or password given', async () => {
    expect(await refusedWith('box.pskcxml', generated('totp-aes128-cbc'))).toMatch(/encrypted with a pre-shared key .*give it with --psk HEX/);
    expect(await refusedWith('box.pskcxml', generated('totp-pbkdf2'))).toMatch(/protected by a password .*give it with --password-file FILE/);
  });

  it('a wrong password (RFC 6030 figure 7 "qwerty", and a generated PBKDF2 file)', async () => {
    expect(await refusedWith('figure7.pskcxml', rfc(7), { password: 'qwertz' })).toMatch(
      /^figure7\.pskcxml: .*the password is wrong.*Check the password file.* Nothing was imported\.$/,
    );
    expect(await refusedWith('box.pskcxml', generated('totp-pbkdf2'), { password: 'not the password' })).toMatch(/password is wrong/);
  });

  it('a tampered ValueMAC, and a tampered ciphertext under a good MAC', async () => {
    const xml = generated('totp-aes256-cbc');
    const macAt = xml.indexOf('<pskc:ValueMAC>') + '<pskc:ValueMAC>'.length;
    const macTampered = xml.slice(0, macAt) + (xml[macAt] === 'A' ? 'B' : 'A') + xml.slice(macAt + 1);
    expect(await refusedWith('tampered.pskcxml', macTampered, { psk: PSK_256 })).toMatch(
      /MAC of the Secret of key k1 \(line \d+\) does not match: .*ask the vendor whether the file was changed after they made it/,
    );
    const rfcTampered = rfc(6).replace('Su+NvtQfmvfJzF6bmQiJqoLRExc=', 'Su+MvtQfmvfJzF6bmQiJqoLRExc=');
    expect(await refusedWith('figure6.pskcxml', rfcTampered, { psk: RFC_PSK })).toMatch(/does not match/);
    const cipherTampered = asTotp(rfc(6)).replace('AAECAwQFBgcICQoLDA0OD+cI', 'AAECAwQFBgcICQoLDA0OD+cJ');
    expect(await refusedWith('figure6.pskcxml', cipherTampered, { psk: RFC_PSK })).toMatch(/does not match/);
    const macRemoved = rfc(6).replace(/<ValueMAC>[^<]*<\/ValueMAC>/, '');
    expect(await refusedWith('figure6.pskcxml', macRemoved, { psk: RFC_PSK })).toMatch(/no ValueMAC although the file declares a MAC.*send it again/);
  });

  it('an encryption algorithm URI it does not know', async () => {
    const tripleDes = asTotp(rfc(6)).replace(/xmlenc#aes128-cbc/g, 'xmlenc#tripledes-cbc');
    expect(await refusedWith('3des.pskcxml', tripleDes, { psk: RFC_PSK })).toMatch(
      /encrypted with "http:\/\/www\.w3\.org\/2001\/04\/xmlenc#tripledes-cbc", which tokendesk does not support .*Ask the vendor for one of those/,
    );
    const made = generated('totp-aes128-cbc').replace(/xmlenc#aes128-cbc/g, 'xmlenc#camellia128-cbc');
    expect(await refusedWith('camellia.pskcxml', made, { psk: PSK_128 })).toMatch(/camellia128-cbc.*Ask the vendor/);
  });

  it('every TOTP key RSA-transported', async () => {
    const x509 = generated('totp-aes128-cbc').replace('<ds:KeyName>Pre-shared-key</ds:KeyName>', '<ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate></ds:X509Data>');
    expect(await refusedWith('rsa.pskcxml', x509)).toMatch(/RSA key transport.*Ask the vendor for the file encrypted with a pre-shared key or a password/);
  });
});

describe('import refusals: not a PSKC 1.0 document', () => {
  it('no KeyContainer: other XML, detected or named with --format pskc', async () => {
    const other = '<?xml version="1.0"?>\n<Tokens><Token serial="1" seed="MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="/></Tokens>\n';
    expect(await refusedWith('tokens.xml', other)).toMatch(/could not tell the format \(tried pskc .*\); name it with --format/);
    expect(await refusedWith('tokens.xml', other, { format: 'pskc' })).toMatch(
      /root element is <Tokens>, not <KeyContainer>\. Check that this is the seed file the vendor sent/,
    );
    const packagesOnly = fixtureText('pskc', 'rfc6030', 'figure5.pskcxml').replace(/<\/?KeyContainer[^>]*>/g, '');
    expect(await refusedWith('packages.pskcxml', packagesOnly, { format: 'pskc' })).toMatch(/not well-formed XML|not a PSKC file/);
  });

  it('version 1.2, and a pre-standard namespace', async () => {
    expect(await refusedWith('v12.pskcxml', container('', 'Version="1.2" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"'))).toMatch(
      /PSKC version 1\.2; tokendesk reads version 1\.0 \(RFC 6030\)\. Ask the vendor for a PSKC 1\.0 file/,
    );
    expect(await refusedWith('draft.pskcxml', container('', 'Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc:1.0"'))).toMatch(
      /not in the PSKC namespace.*Ask the vendor for an RFC 6030/,
    );
  });

  it('a DOCTYPE, an external entity, a billion laughs: refused at once, nothing expanded', async () => {
    const doctype = `<?xml version="1.0"?>\n<!DOCTYPE KeyContainer>\n${container('').split('\n')[1]}`;
    expect(await refusedWith('doctype.pskcxml', doctype)).toMatch(/declares a DOCTYPE.*Ask the vendor for the file without it/);
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE k [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${container('<KeyPackage>&xxe;</KeyPackage>').split('\n')[1]}`;
    const xxeMessage = await refusedWith('xxe.pskcxml', xxe);
    expect(xxeMessage).toMatch(/DOCTYPE/);
    expect(xxeMessage).not.toMatch(/root:/); // nothing of /etc/passwd
    const laughs =
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
      `]>\n${container('<KeyPackage>&lol9;</KeyPackage>').split('\n')[1]}`;
    const started = Date.now();
    expect(await refusedWith('laughs.pskcxml', laughs)).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(5000);
    // An entity used without any DTD is simply undefined.
    expect(await refusedWith('entity.pskcxml', container('<KeyPackage>&xxe;</KeyPackage>'))).toMatch(/not well-formed XML \(line 2, column \d+: undefined entity\).*send it again/);
  });
});

describe('import refusals: damaged files', () => {
  it('a truncated PSKC file', async () => {
    const xml = generated('totp-aes128-cbc');
    expect(await refusedWith('cut.pskcxml', xml.slice(0, Math.floor(xml.length * 0.6)), { psk: PSK_128 })).toMatch(
      /not well-formed XML \(line \d+, column \d+: unclosed tag\): it may be cut short or edited\. Ask the vendor to send it again/,
    );
  });

  it('a truncated Graph JSON file', async () => {
    const json = fixtureText('graph', 'token2-array.json');
    expect(await refusedWith('cut.json', json.slice(0, json.length - 40))).toMatch(/ends before the JSON is complete \(cut short\?\)\. Ask the vendor to send it again/);
  });

  it('a truncated CSV file: the cut row is named, nothing is imported', async () => {
    const csv = entraCsv(tokens);
    const cut = csv.slice(0, csv.lastIndexOf(',30,') - 10);
    expect(await refusedWith('cut.csv', cut)).toMatch(/^cut\.csv: 1 row could not be read \(first: line 5, the row has 3 cells.*\); the whole file was refused\. Fix the file/);
  });

  it('a Graph JSON array with a bad element', async () => {
    const good = JSON.parse(fixtureText('graph', 'token2-array.json')) as unknown[];
    const withBad = JSON.stringify([good[0], 42, good[1]], null, 2);
    expect(await refusedWith('bad-element.json', withBad)).toMatch(
      /^bad-element\.json: 1 token entry could not be read \(first: element 1, element 1 is not a token object\); the whole file was refused\. Fix the file, or import the good token entries with --skip-rejected$/,
    );
    const badSecret = JSON.stringify([good[0], { ...(good[2] as object), secretKey: '0123456789abcdef0' }]);
    expect(await refusedWith('bad-secret.json', badSecret)).toMatch(/element 1, the secret key is not Base32, and as hex it has an odd number of digits/);
  });

  it('a CSV row with an odd-length hex seed (OATH CSV and Entra CSV)', async () => {
    const oddHex = `${tokens[0]!.secretHex.slice(0, -1)}`;
    const oath = `${tokens[1]!.serial}, ${tokens[1]!.secretHex}, totp, 6, 30\n${tokens[0]!.serial}, ${oddHex}, totp, 6, 30\n`;
    expect(await refusedWith('odd.csv', oath)).toMatch(
      /^odd\.csv: 1 row could not be read \(first: line 2, the hex secret has an odd number of digits\); the whole file was refused\. Fix the file, or import the good rows with --skip-rejected$/,
    );
    const entra = `${ENTRA_HEADER}\n,${tokens[1]!.serial},${tokens[1]!.base32},30,Token2,C202\n,${tokens[0]!.serial},${oddHex},30,Token2,C202\n`;
    expect(await refusedWith('odd-entra.csv', entra)).toMatch(/line 3, the secret key is not Base32, and as hex it has an odd number of digits/);
  });

  it('a serial already stored with another secret', async () => {
    const clash = entraCsv([{ ...tokens[0]!, serial: '0099000000000' }]);
    expect(await refusedWith('clash.csv', clash)).toMatch(
      /^clash\.csv: 1 serial\(s\) are already in the inventory with a different secret \(first: serial 0099000000000, line 2\).*Ask the vendor which file is right$/,
    );
  });

  it('binary data, an empty file, a file that is no seed format', async () => {
    expect(await refusedWith('box.csv.gpg', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), { format: 'entra-csv' })).toMatch(
      /not a text Entra CSV file.*unpack or decrypt it first/,
    );
    expect(await refusedWith('empty.csv', '')).toMatch(/empty/);
    expect(await refusedWith('notes.txt', 'Dear admin,\nhere are your tokens.\n')).toMatch(/could not tell the format.*name it with --format/);
  });
});
