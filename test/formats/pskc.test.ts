import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PSKC_DEPTH, parsePskc } from '../../src/formats/pskc.js';
import { cipherAlgorithm, decrypt } from '../../src/formats/pskcCrypto.js';
import type { ParseOptions } from '../../src/formats/types.js';
import { chunked, fixtureText, hex, readable, refusal, toHex, utf8 } from './helpers.js';
import { FIXTURE_PASSWORD, GENERATED_DIR, GENERATED_FIXTURES, PSK_128, PSK_192, PSK_256, SEEDS } from './pskcFixtures.js';

const rfc = (figure: number) => fixtureText('pskc', 'rfc6030', `figure${figure}.pskcxml`);
const asTotp = (xml: string) => xml.replace(/keyprov:pskc:hotp/g, 'keyprov:pskc:totp');
const parseXml = (xml: string, options: ParseOptions = {}, chunkSize?: number) => parsePskc(chunked(xml, chunkSize), options);

/** RFC 6030 Figure 6: AES-128-CBC pre-shared key, MAC key 1122...9900 (section 6.1). */
const RFC_PSK = hex('12345678901234567890123456789012');
/** The secret of the RFC's examples: "12345678901234567890". */
const RFC_SECRET = toHex(utf8('12345678901234567890'));
const HOTP_SKIP = 'HOTP (counter-based) key: tokendesk hands out TOTP tokens only';

describe('PSKC: the RFC 6030 examples', () => {
  it('Figure 2 (basic, plain): an HOTP key is skipped with its reason; as TOTP its secret is read', async () => {
    expect(await parseXml(rfc(2))).toEqual({
      format: 'pskc',
      records: [],
      rejects: [],
      skipped: [{ where: { line: 5, keyId: '12345678' }, serial: '12345678', reason: HOTP_SKIP }],
      warnings: [],
    });
    // Its secret "1234" is 32 bits: refused as short, read when short seeds are allowed.
    expect((await parseXml(asTotp(rfc(2)))).rejects).toEqual([
      { where: { line: 5, keyId: '12345678' }, serial: '12345678', reason: expect.stringMatching(/^the secret is 32 bits; RFC 4226 asks for at least 128/) },
    ]);
    const totp = await parseXml(asTotp(rfc(2)), { allowShortSeeds: true });
    expect(readable(totp).records).toEqual([
      { serial: '12345678', secret: toHex(utf8('1234')), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: '', model: '', where: { line: 5, keyId: '12345678' } },
    ]);
  });

  it('Figure 4 (key derivation, no secret in the file): skipped, as HOTP and as TOTP', async () => {
    expect((await parseXml(rfc(4))).skipped).toEqual([{ where: { line: 5, keyId: '12345678' }, serial: '987654321', reason: HOTP_SKIP }]);
    expect((await parseXml(asTotp(rfc(4)))).skipped).toEqual([
      {
        where: { line: 5, keyId: '12345678' },
        serial: '987654321',
        reason: 'the secret is not in the file (a KeyReference): nothing to verify codes against',
      },
    ]);
  });

  it('Figure 5 (HOTP key with a PIN key): both skipped, never silently', async () => {
    const result = await parseXml(rfc(5));
    expect(result.records).toEqual([]);
    expect(result.skipped.map((s) => [s.where.keyId, s.serial, s.reason])).toEqual([
      ['12345678', '987654321', HOTP_SKIP],
      ['123456781', '987654321', 'PIN key (the device PIN, not a one-time password key)'],
    ]);
    const totp = await parseXml(asTotp(rfc(5)));
    expect(readable(totp).records).toEqual([
      { serial: '987654321', secret: RFC_SECRET, algorithm: 'SHA1', digits: 8, period: 30, manufacturer: 'Manufacturer', model: '', where: { line: 5, keyId: '12345678' } },
    ]);
    expect(totp.skipped).toHaveLength(1);
  });

  it('Figure 6 (AES-128-CBC pre-shared key, HMAC-SHA1 MAC): decrypts the RFC ciphertext', async () => {
    const result = await parseXml(rfc(6), { psk: RFC_PSK });
    expect(result.skipped).toEqual([{ where: { line: 20, keyId: '12345678' }, serial: '987654321', reason: HOTP_SKIP }]);
    const totp = await parseXml(asTotp(rfc(6)), { psk: RFC_PSK });
    expect(toHex(totp.records[0]!.secret)).toBe(RFC_SECRET);
    expect(totp.records[0]).toMatchObject({ serial: '987654321', digits: 8, algorithm: 'SHA1' });
  });

  it('Figure 7 (PBKDF2 with the password "qwerty"): derives the key and decrypts', async () => {
    const totp = await parseXml(asTotp(rfc(7)), { password: 'qwerty' });
    expect(readable(totp).records).toEqual([
      { serial: '987654321', secret: RFC_SECRET, algorithm: 'SHA1', digits: 8, period: 30, manufacturer: 'TokenVendorAcme', model: '', where: { line: 38, keyId: '123456' } },
    ]);
    expect((await parseXml(rfc(7), { password: 'qwerty' })).skipped[0]?.reason).toBe(HOTP_SKIP);
  });

  it('reads the same in 1-byte and 7-byte chunks', async () => {
    const whole = await parseXml(asTotp(rfc(7)), { password: 'qwerty' });
    expect(await parseXml(asTotp(rfc(7)), { password: 'qwerty' }, 1)).toEqual(whole);
    expect(await parseXml(asTotp(rfc(6)), { psk: RFC_PSK }, 7)).toEqual(await parseXml(asTotp(rfc(6)), { psk: RFC_PSK }));
  });
});

describe('PSKC: wrong keys and tampering refuse the whole file', () => {
  it('a wrong pre-shared key', async () => {
    const error = await refusal(() => parseXml(rfc(6), { psk: hex('12345678901234567890123456789013') }));
    expect(error.message).toMatch(/pre-shared key is wrong.*Check the --psk value/);
  });

  it('a wrong password', async () => {
    const error = await refusal(() => parseXml(rfc(7), { password: 'qwertz' }));
    expect(error.message).toMatch(/password is wrong/);
    // Which derivation was used, as the file states it (RFC 6030 figure 7: no PRF, 1000 iterations, 16 bytes).
    expect(error.message).toMatch(/PBKDF2 with HMAC-SHA-1, 1000 iterations, a 16-byte key/);
    expect(error.message).not.toContain('qwertz');
  });

  it('no key or password given, naming what the file calls it', async () => {
    expect((await refusal(() => parseXml(rfc(6)))).message).toMatch(/pre-shared key \(the file calls it "Pre-shared-key"\): give it with --psk HEX/);
    expect((await refusal(() => parseXml(rfc(7)))).message).toMatch(/password \("My Password 1"\): give it with --password-file/);
  });

  it('a pre-shared key of the wrong length', async () => {
    const error = await refusal(() => parseXml(rfc(6), { psk: PSK_256 }));
    expect(error.message).toMatch(/AES-128-CBC, which needs a 16-byte key; the pre-shared key is 32 bytes/);
  });

  it('a tampered ValueMAC, a tampered ciphertext, a removed ValueMAC', async () => {
    const macChanged = rfc(6).replace('Su+NvtQfmvfJzF6bmQiJqoLRExc=', 'Su+MvtQfmvfJzF6bmQiJqoLRExc=');
    expect((await refusal(() => parseXml(macChanged, { psk: RFC_PSK }))).message).toMatch(
      /MAC of the Secret of key 12345678 \(line 20\) does not match/,
    );
    const cipherChanged = asTotp(rfc(6)).replace('AAECAwQFBgcICQoLDA0OD+cI', 'AAECAwQFBgcICQoLDA0OD+cJ');
    expect((await refusal(() => parseXml(cipherChanged, { psk: RFC_PSK }))).message).toMatch(/does not match/);
    const macRemoved = rfc(6).replace(/<ValueMAC>[^<]*<\/ValueMAC>/, '');
    expect((await refusal(() => parseXml(macRemoved, { psk: RFC_PSK }))).message).toMatch(/has no ValueMAC although the file declares a MAC/);
    const methodRemoved = rfc(6).replace(/<MACMethod[\s\S]*<\/MACMethod>/, '');
    expect((await refusal(() => parseXml(methodRemoved, { psk: RFC_PSK }))).message).toMatch(/has a ValueMAC but the file names no MACMethod/);
  });

  it('checks the MAC even of keys it skips', async () => {
    // Figure 6 holds an HOTP key: skipped, yet a tampered MAC still refuses the file.
    const tampered = rfc(6).replace('Su+NvtQfmvfJzF6bmQiJqoLRExc=', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    await refusal(() => parseXml(tampered, { psk: RFC_PSK }));
  });
});

describe('PSKC: TOTP files made with node:crypto', () => {
  it('the committed fixtures are what the generator makes', () => {
    for (const [name, build] of Object.entries(GENERATED_FIXTURES)) {
      expect(readFileSync(join(GENERATED_DIR, name), 'utf8'), name).toBe(build());
    }
  });

  const expectedRecords = [
    { serial: '0001234567', secret: toHex(SEEDS.sha1), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C202', driftSteps: -2 },
    { serial: '0001234568', secret: toHex(SEEDS.sha256), algorithm: 'SHA256', digits: 8, period: 60, manufacturer: 'Token2', model: 'C302' },
    { serial: 'KID-3', secret: toHex(SEEDS.sha512), algorithm: 'SHA512', digits: 6, period: 30, manufacturer: '', model: '' },
  ];

  const encrypted: Array<[string, ParseOptions]> = [
    ['totp-aes128-cbc.pskcxml', { psk: PSK_128 }],
    ['totp-aes192-cbc.pskcxml', { psk: PSK_192 }],
    ['totp-aes256-cbc.pskcxml', { psk: PSK_256 }],
    ['totp-kw-aes128.pskcxml', { psk: PSK_128 }],
    ['totp-kw-aes192.pskcxml', { psk: PSK_192 }],
    ['totp-kw-aes256.pskcxml', { psk: PSK_256 }],
    ['totp-pbkdf2.pskcxml', { password: FIXTURE_PASSWORD }],
  ];

  for (const [name, options] of encrypted) {
    it(`${name}: secrets, hash, digits, period (one encrypted) and drift come back exactly`, async () => {
      const result = await parseXml(fixtureText('pskc', 'generated', name), options, 7);
      expect(readable(result).records.map(({ where: _where, ...record }) => record)).toEqual(expectedRecords);
      expect(result.records.map((r) => r.where.keyId)).toEqual(['k1', 'k2', 'KID-3']);
      expect(result.skipped.map((s) => [s.serial, s.reason])).toEqual([['0001234570', HOTP_SKIP]]);
      expect(result.rejects).toEqual([]);
    });
  }

  it('wrong keys for the key-wrap and PBKDF2 files are refused', async () => {
    const wrong128 = hex('ff0102030405060708090a0b0c0d0e0f');
    expect((await refusal(() => parseXml(fixtureText('pskc', 'generated', 'totp-kw-aes128.pskcxml'), { psk: wrong128 }))).message).toMatch(
      /pre-shared key is wrong/,
    );
    expect((await refusal(() => parseXml(fixtureText('pskc', 'generated', 'totp-pbkdf2.pskcxml'), { password: 'wrong' }))).message).toMatch(
      /password is wrong/,
    );
  });

  it('a plain file with namespace prefix "p": skips, rejects and duplicates are reported', async () => {
    const result = await parseXml(fixtureText('pskc', 'generated', 'totp-plain.pskcxml'));
    expect(readable(result).records.map(({ where: _where, ...record }) => record)).toEqual(expectedRecords);
    expect(result.skipped.map((s) => [s.where.keyId, s.reason])).toEqual([
      ['k4', HOTP_SKIP],
      ['k5', 'PIN key (the device PIN, not a one-time password key)'],
      ['k6', 'the secret is not in the file (a KeyReference): nothing to verify codes against'],
    ]);
    expect(result.rejects.map((r) => [r.where.keyId, r.serial, r.reason])).toEqual([
      ['k7', '0001234572', 'its time interval is 45 s; tokendesk takes 30 or 60'],
      ['k8', '0001234567', 'serial 0001234567 already appears at key k1 (line 5)'],
    ]);
  });

  it('an encrypted file without a MAC is read with a warning', async () => {
    const noMac = fixtureText('pskc', 'generated', 'totp-aes128-cbc.pskcxml')
      .replace(/<MACMethod[\s\S]*<\/MACMethod>\n/, '')
      .replace(/\s*<ValueMAC>[^<]*<\/ValueMAC>/g, '');
    const result = await parseXml(noMac, { psk: PSK_128 });
    expect(result.records).toHaveLength(3);
    expect(result.warnings[0]?.message).toMatch(/carry no MAC/);
  });

  it('warns when the XML declaration names another encoding than UTF-8', async () => {
    const latin1 = fixtureText('pskc', 'generated', 'totp-plain.pskcxml').replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const result = await parseXml(latin1, {}, 5);
    expect(result.records).toHaveLength(3);
    expect(result.warnings.map((w) => w.message)).toContain('The file says it is ISO-8859-1; tokendesk reads it as UTF-8.');
    expect((await parseXml(fixtureText('pskc', 'generated', 'totp-plain.pskcxml'))).warnings).toEqual([]);
  });

  it('warns when a 32-byte secret has no Suite and is read as SHA-1', async () => {
    const xml = fixtureText('pskc', 'generated', 'totp-plain.pskcxml').replace('<p:Suite>HMAC-SHA256</p:Suite>', '');
    const result = await parseXml(xml);
    expect(result.records[1]?.algorithm).toBe('SHA1');
    expect(result.warnings[0]?.message).toMatch(/32 bytes.*SHA-256/);
  });
});

describe('PSKC: RSA key transport is skipped per key, refused when it is the whole file', () => {
  const RSA_SKIP =
    "its secret is encrypted to a certificate (RSA key transport), which tokendesk cannot open: ask the vendor for this token's seed under a pre-shared key or a password";
  const X509 = '<ds:X509Data><ds:X509Certificate>MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA</ds:X509Certificate></ds:X509Data>';
  /** The KeyPackage of `keyId` with `edit` applied to it alone. */
  const editKey = (xml: string, keyId: string, edit: (keyXml: string) => string) => {
    const start = xml.indexOf(`Key Id="${keyId}"`);
    const end = xml.indexOf('KeyPackage>', start);
    return xml.slice(0, start) + edit(xml.slice(start, end)) + xml.slice(end);
  };

  it('a key whose secret is RSA-encrypted is skipped with the reason; the file\'s other keys import', async () => {
    const mixed = editKey(fixtureText('pskc', 'generated', 'totp-aes128-cbc.pskcxml'), 'KID-3', (key) =>
      key.replace('xmlenc#aes128-cbc', 'xmlenc#rsa-oaep-mgf1p'),
    );
    const result = await parseXml(mixed, { psk: PSK_128 });
    expect(readable(result).records.map((r) => [r.serial, r.secret])).toEqual([
      ['0001234567', toHex(SEEDS.sha1)],
      ['0001234568', toHex(SEEDS.sha256)],
    ]);
    expect(result.skipped.map((s) => [s.where.keyId, s.serial, s.reason])).toEqual([
      ['KID-3', 'KID-3', RSA_SKIP],
      ['k4', '0001234570', HOTP_SKIP],
    ]);
    expect(result.rejects).toEqual([]);
  });

  it('a certificate as the file\'s EncryptionKey: plain keys import, encrypted ones are skipped', async () => {
    const plain = fixtureText('pskc', 'generated', 'totp-plain.pskcxml');
    const withCertificate = plain.replace('pkcs-5v2-0#">\n', `pkcs-5v2-0#">\n  <p:EncryptionKey>${X509}</p:EncryptionKey>\n`);
    const mixed = editKey(withCertificate, 'k2', (key) =>
      key.replace(
        /<p:PlainValue>MTIz[^<]*<\/p:PlainValue>/,
        '<p:EncryptedValue><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>' +
          `<xenc:CipherData><xenc:CipherValue>${Buffer.alloc(48, 7).toString('base64')}</xenc:CipherValue></xenc:CipherData></p:EncryptedValue>`,
      ),
    );
    const result = await parseXml(mixed);
    expect(result.records.map((r) => r.where.keyId)).toEqual(['k1', 'KID-3']);
    expect(result.skipped.map((s) => [s.where.keyId, s.reason])).toEqual([
      ['k2', RSA_SKIP],
      ['k4', HOTP_SKIP],
      ['k5', 'PIN key (the device PIN, not a one-time password key)'],
      ['k6', 'the secret is not in the file (a KeyReference): nothing to verify codes against'],
    ]);
  });

  it('every TOTP key RSA-transported (MAC key too): the file is refused, counting the keys', async () => {
    const certificate = fixtureText('pskc', 'generated', 'totp-aes128-cbc.pskcxml').replace('<ds:KeyName>Pre-shared-key</ds:KeyName>', X509);
    const error = await refusal(() => parseXml(certificate));
    expect(error.message).toMatch(/secrets \(3 TOTP keys\) are encrypted to a certificate \(RSA key transport\).*Ask the vendor for the file encrypted with a pre-shared key or a password/);
    // An admin who unwrapped the AES key from the certificate can still give it.
    expect((await parseXml(certificate, { psk: PSK_128 })).records).toHaveLength(3);
  });

  it('an RSA-encrypted MAC key with pre-shared-key values cannot be checked: refused', async () => {
    const xml = fixtureText('pskc', 'generated', 'totp-aes128-cbc.pskcxml');
    const macKeyStart = xml.indexOf('<MACKey>');
    const rsaMacKey = xml.slice(0, macKeyStart) + xml.slice(macKeyStart).replace('xmlenc#aes128-cbc', 'xmlenc#rsa-1_5');
    expect((await refusal(() => parseXml(rsaMacKey, { psk: PSK_128 }))).message).toMatch(/MAC key is encrypted to a certificate/);
  });
});

describe('PSKC: files refused as a whole', () => {
  const container = (inner: string, attributes = 'Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"') =>
    `<?xml version="1.0"?>\n<KeyContainer ${attributes}>${inner}</KeyContainer>`;

  it('a DOCTYPE, an external entity, a billion laughs', async () => {
    expect((await refusal(() => parseXml(`<!DOCTYPE KeyContainer>\n${container('')}`))).message).toMatch(/declares a DOCTYPE/);
    const xxe = `<?xml version="1.0"?><!DOCTYPE k [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${container('&xxe;')}`;
    expect((await refusal(() => parseXml(xxe))).message).toMatch(/DOCTYPE/);
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
      `]>${container('&lol9;')}`;
    const started = Date.now();
    expect((await refusal(() => parseXml(laughs))).message).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an entity that is not one of the five predefined ones', async () => {
    expect((await refusal(() => parseXml(container('<KeyPackage>&xxe;</KeyPackage>')))).message).toMatch(/not well-formed XML/);
  });

  it('nesting deeper than the limit', async () => {
    const deep = '<a>'.repeat(MAX_PSKC_DEPTH) + '</a>'.repeat(MAX_PSKC_DEPTH);
    expect((await refusal(() => parseXml(container(`<KeyPackage>${deep}</KeyPackage>`)))).message).toMatch(/nested deeper than 32/);
  });

  it('a truncated file, a non-XML file, an empty file, binary data', async () => {
    const full = rfc(5);
    expect((await refusal(() => parseXml(full.slice(0, full.length / 2)))).message).toMatch(/not well-formed XML/);
    expect((await refusal(() => parseXml('serial,secret\n1,2\n'))).message).toMatch(/not well-formed XML/);
    expect((await refusal(() => parseXml(''))).message).toMatch(/empty/);
    expect((await refusal(() => parsePskc([new Uint8Array([0x3c, 0x00, 0x01, 0x02])]))).message).toMatch(/not a text XML/);
  });

  it('XML that is not PSKC: another root, another namespace, version 1.2', async () => {
    expect((await refusal(() => parseXml('<Tokens><Token serial="1"/></Tokens>'))).message).toMatch(/not a PSKC file: its root element is <Tokens>/);
    expect((await refusal(() => parseXml(container('', 'Version="1.0" xmlns="urn:example:other"')))).message).toMatch(/not in the PSKC namespace/);
    expect((await refusal(() => parseXml(container('', 'Version="1.2" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"')))).message).toMatch(
      /PSKC version 1.2; tokendesk reads version 1.0/,
    );
  });

  it('an encryption algorithm it does not support', async () => {
    const tripleDes = asTotp(rfc(6)).replace(/xmlenc#aes128-cbc/g, 'xmlenc#tripledes-cbc');
    expect((await refusal(() => parseXml(tripleDes, { psk: RFC_PSK }))).message).toMatch(/encrypted with ".*tripledes-cbc", which tokendesk does not support/);
    const gcm = asTotp(rfc(6)).replace(/http:\/\/www.w3.org\/2001\/04\/xmlenc#aes128-cbc/g, 'http://www.w3.org/2009/xmlenc11#aes128-gcm');
    expect((await refusal(() => parseXml(gcm, { psk: RFC_PSK }))).message).toMatch(/aes128-gcm/);
  });

  it('RSA key transport for every TOTP key in the file', async () => {
    const x509 = asTotp(rfc(6)).replace('<ds:KeyName>Pre-shared-key</ds:KeyName>', '<ds:X509Data><ds:X509Certificate>MIIB</ds:X509Certificate></ds:X509Data>');
    expect((await refusal(() => parseXml(x509))).message).toMatch(/encrypted to a certificate \(RSA key transport\).*Ask the vendor/);
    const rsaMethod = asTotp(rfc(6)).replace(/xmlenc#aes128-cbc/g, 'xmlenc#rsa-1_5');
    expect((await refusal(() => parseXml(rsaMethod, { psk: RFC_PSK }))).message).toMatch(/RSA key transport/);
  });

  it('a MAC algorithm or key derivation it does not support', async () => {
    const md5 = rfc(6).replace('xmldsig#hmac-sha1', 'xmldsig-more#hmac-md5');
    expect((await refusal(() => parseXml(md5, { psk: RFC_PSK }))).message).toMatch(/MAC algorithm .*hmac-md5.* not supported/);
    const scrypt = rfc(7).replace('pkcs-5v2-0#pbkdf2', 'pkcs-5v2-0#scrypt');
    expect((await refusal(() => parseXml(scrypt, { password: 'qwerty' }))).message).toMatch(/PBKDF2 only/);
  });

  it('a file over 50 MB, while streaming', async () => {
    let pulled = 0;
    async function* huge() {
      yield utf8('<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">');
      const spaces = new Uint8Array(1024 * 1024).fill(0x20);
      for (let i = 0; i < 60; i++) {
        pulled++;
        yield spaces;
      }
    }
    expect((await refusal(() => parsePskc(huge()))).message).toMatch(/larger than 50 MB/);
    expect(pulled).toBeLessThanOrEqual(51);
  });
});

describe('PSKC crypto', () => {
  it('unwraps the RFC 3394 section 4.1 test vector (128-bit KEK, 128-bit key data)', () => {
    const algorithm = cipherAlgorithm('http://www.w3.org/2001/04/xmlenc#kw-aes128')!;
    const plain = decrypt(algorithm, hex('000102030405060708090A0B0C0D0E0F'), hex('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5'));
    expect(toHex(plain)).toBe('00112233445566778899aabbccddeeff');
  });

  it('unwraps the RFC 3394 section 4.6 test vector (256-bit KEK, 256-bit key data)', () => {
    const algorithm = cipherAlgorithm('http://www.w3.org/2001/04/xmlenc#kw-aes256')!;
    const plain = decrypt(
      algorithm,
      hex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F'),
      hex('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21'),
    );
    expect(toHex(plain)).toBe('00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f');
  });
});
