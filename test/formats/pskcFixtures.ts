/**
 * Builds the TOTP PSKC fixtures (the RFC 6030 examples are all HOTP) with real ciphertext from
 * node:crypto: AES-CBC with the IV in front, AES key wrap (RFC 3394 / RFC 5649), PBKDF2, and
 * ValueMACs over IV + ciphertext. IVs and salts come from fixed labels, so the output is the same
 * every run and the files in test/fixtures/formats/pskc/generated/ can be checked against it.
 *
 *   npx tsx test/formats/pskcFixtures.ts --write     rewrites the fixture files
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'formats', 'pskc', 'generated');

type Cipher = 'aes128-cbc' | 'aes192-cbc' | 'aes256-cbc' | 'kw-aes128' | 'kw-aes192' | 'kw-aes256';
type Mac = 'hmac-sha1' | 'hmac-sha224' | 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512';

export interface FixtureKey {
  keyId: string;
  serial?: string;
  algorithm: 'totp' | 'hotp' | 'pin';
  secret?: Uint8Array;
  suite?: string;
  digits?: number;
  period?: number;
  /** Written encrypted when the document is encrypted (RFC 6030 allows it for any Data field). */
  encryptPeriod?: boolean;
  drift?: number;
  manufacturer?: string;
  model?: string;
}

export type Protection =
  | { kind: 'plain' }
  | { kind: 'psk'; cipher: Cipher; key: Uint8Array; mac?: Mac; macKey?: Uint8Array }
  | { kind: 'password'; cipher: Cipher; password: string; iterations: number; prf?: Mac; mac?: Mac; macKey?: Uint8Array };

const fixed = (label: string, length: number) => createHash('sha256').update(label).digest().subarray(0, length);
const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

const MAC_URI: Record<Mac, string> = {
  'hmac-sha1': 'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  'hmac-sha224': 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha224',
  'hmac-sha256': 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256',
  'hmac-sha384': 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha384',
  'hmac-sha512': 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512',
};

export function encryptValue(cipher: Cipher, key: Uint8Array, plaintext: Uint8Array, label: string): Uint8Array {
  const bits = Number(/(\d{3})/.exec(cipher)![1]);
  if (cipher.endsWith('-cbc')) {
    const iv = fixed(`iv:${label}`, 16);
    const c = createCipheriv(`aes-${bits}-cbc`, key, iv);
    return new Uint8Array(Buffer.concat([iv, c.update(plaintext), c.final()]));
  }
  // RFC 3394 needs two or more whole 8-byte blocks; a 20-byte seed or an 8-byte integer goes
  // through RFC 5649 (with padding).
  const padded = plaintext.byteLength % 8 !== 0 || plaintext.byteLength < 16;
  const c = padded
    ? createCipheriv(`id-aes${bits}-wrap-pad`, key, Buffer.from('A65959A6', 'hex'))
    : createCipheriv(`id-aes${bits}-wrap`, key, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function integerBytes(value: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt(value));
  return new Uint8Array(out);
}

/** A PSKC document; `prefix` names the PSKC namespace prefix ('' for the default namespace). */
export function buildPskc(keys: FixtureKey[], protection: Protection, prefix = ''): string {
  const p = prefix ? `${prefix}:` : '';
  const ns = prefix ? `xmlns:${prefix}` : 'xmlns';
  let encryptionKey: Uint8Array | null = null;
  const head: string[] = [];
  if (protection.kind === 'psk') {
    encryptionKey = protection.key;
    head.push(`  <${p}EncryptionKey>`, '    <ds:KeyName>Pre-shared-key</ds:KeyName>', `  </${p}EncryptionKey>`);
  } else if (protection.kind === 'password') {
    const bits = Number(/(\d{3})/.exec(protection.cipher)![1]);
    const salt = fixed(`salt:${protection.password}`, 16);
    const digest = (protection.prf ?? 'hmac-sha1').replace('hmac-', '');
    encryptionKey = new Uint8Array(pbkdf2Sync(protection.password, salt, protection.iterations, bits / 8, digest));
    head.push(
      `  <${p}EncryptionKey>`,
      '    <xenc11:DerivedKey>',
      '      <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">',
      '        <pkcs5:PBKDF2-params>',
      `          <Salt><Specified>${b64(salt)}</Specified></Salt>`,
      `          <IterationCount>${protection.iterations}</IterationCount>`,
      `          <KeyLength>${bits / 8}</KeyLength>`,
      protection.prf ? `          <PRF Algorithm="${MAC_URI[protection.prf]}"/>` : '          <PRF/>',
      '        </pkcs5:PBKDF2-params>',
      '      </xenc11:KeyDerivationMethod>',
      '      <xenc11:MasterKeyName>Desk test password</xenc11:MasterKeyName>',
      '    </xenc11:DerivedKey>',
      `  </${p}EncryptionKey>`,
    );
  }
  const cipher = protection.kind === 'plain' ? null : protection.cipher;
  const cipherUri = cipher ? `http://www.w3.org/2001/04/xmlenc#${cipher}` : '';
  const mac = protection.kind === 'plain' ? undefined : protection.mac;
  const macKey = protection.kind === 'plain' ? undefined : (protection.macKey ?? fixed('mac-key', 20));
  if (mac && cipher && encryptionKey && macKey) {
    head.push(
      `  <${p}MACMethod Algorithm="${MAC_URI[mac]}">`,
      `    <${p}MACKey>`,
      `      <xenc:EncryptionMethod Algorithm="${cipherUri}"/>`,
      `      <xenc:CipherData><xenc:CipherValue>${b64(encryptValue(cipher, encryptionKey, macKey, 'mac-key'))}</xenc:CipherValue></xenc:CipherData>`,
      `    </${p}MACKey>`,
      `  </${p}MACMethod>`,
    );
  }

  const value = (label: string, plain: Uint8Array | string, indent: string): string[] => {
    if (!cipher || !encryptionKey) return [`${indent}<${p}PlainValue>${typeof plain === 'string' ? plain : b64(plain)}</${p}PlainValue>`];
    const bytes = typeof plain === 'string' ? integerBytes(Number(plain)) : plain;
    const encrypted = encryptValue(cipher, encryptionKey, bytes, label);
    const lines = [
      `${indent}<${p}EncryptedValue>`,
      `${indent}  <xenc:EncryptionMethod Algorithm="${cipherUri}"/>`,
      `${indent}  <xenc:CipherData><xenc:CipherValue>${b64(encrypted)}</xenc:CipherValue></xenc:CipherData>`,
      `${indent}</${p}EncryptedValue>`,
    ];
    if (mac && macKey) {
      const digest = mac.replace('hmac-', '');
      lines.push(`${indent}<${p}ValueMAC>${b64(createHmac(digest, macKey).update(encrypted).digest())}</${p}ValueMAC>`);
    }
    return lines;
  };

  const body: string[] = [];
  for (const key of keys) {
    body.push(`  <${p}KeyPackage>`);
    if (key.serial !== undefined || key.manufacturer !== undefined) {
      body.push(`    <${p}DeviceInfo>`);
      if (key.manufacturer !== undefined) body.push(`      <${p}Manufacturer>${key.manufacturer}</${p}Manufacturer>`);
      if (key.serial !== undefined) body.push(`      <${p}SerialNo>${key.serial}</${p}SerialNo>`);
      if (key.model !== undefined) body.push(`      <${p}Model>${key.model}</${p}Model>`);
      body.push(`    </${p}DeviceInfo>`);
    }
    body.push(`    <${p}Key Id="${key.keyId}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:${key.algorithm}">`);
    body.push(`      <${p}Issuer>tokendesk tests</${p}Issuer>`);
    body.push(`      <${p}AlgorithmParameters>`);
    if (key.suite) body.push(`        <${p}Suite>${key.suite}</${p}Suite>`);
    body.push(`        <${p}ResponseFormat Length="${key.digits ?? 6}" Encoding="DECIMAL"/>`);
    body.push(`      </${p}AlgorithmParameters>`);
    if (key.secret === undefined) body.push(`      <${p}KeyReference>vendor-master-key</${p}KeyReference>`);
    body.push(`      <${p}Data>`);
    if (key.secret !== undefined) {
      body.push(`        <${p}Secret>`, ...value(`secret:${key.keyId}`, key.secret, '          '), `        </${p}Secret>`);
    }
    if (key.algorithm === 'totp') {
      body.push(`        <${p}Time><${p}PlainValue>0</${p}PlainValue></${p}Time>`);
      if (key.period !== undefined) {
        const period = key.encryptPeriod
          ? value(`period:${key.keyId}`, String(key.period), '          ')
          : [`          <${p}PlainValue>${key.period}</${p}PlainValue>`];
        body.push(`        <${p}TimeInterval>`, ...period, `        </${p}TimeInterval>`);
      }
      if (key.drift !== undefined) body.push(`        <${p}TimeDrift><${p}PlainValue>${key.drift}</${p}PlainValue></${p}TimeDrift>`);
    } else if (key.algorithm === 'hotp') {
      body.push(`        <${p}Counter><${p}PlainValue>0</${p}PlainValue></${p}Counter>`);
    }
    body.push(`      </${p}Data>`);
    body.push(`    </${p}Key>`);
    body.push(`  </${p}KeyPackage>`);
  }

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${p}KeyContainer Version="1.0" ${ns}="urn:ietf:params:xml:ns:keyprov:pskc"`,
    '    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"',
    '    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#">',
    ...head,
    ...body,
    `</${p}KeyContainer>`,
    '',
  ].join('\n');
}

/* ---------------------------------------------------------------- the fixtures */

/** Seeds the tests expect back, byte for byte. */
export const SEEDS = {
  sha1: hex('3132333435363738393031323334353637383930'), // RFC 6238's SHA-1 seed
  sha256: hex('3132333435363738393031323334353637383930313233343536373839303132'),
  sha512: hex(
    '31323334353637383930313233343536373839303132333435363738393031323334353637383930313233343536373839303132333435363738393031323334',
  ),
  other: hex('00112233445566778899aabbccddeeff01234567'),
};

export const PSK_128 = hex('000102030405060708090a0b0c0d0e0f');
export const PSK_192 = hex('000102030405060708090a0b0c0d0e0f1011121314151617');
export const PSK_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
export const FIXTURE_PASSWORD = 'correct horse battery staple';

const DESK_KEYS: FixtureKey[] = [
  { keyId: 'k1', serial: '0001234567', algorithm: 'totp', secret: SEEDS.sha1, suite: 'HMAC-SHA1', digits: 6, period: 30, drift: -2, manufacturer: 'Token2', model: 'C202' },
  { keyId: 'k2', serial: '0001234568', algorithm: 'totp', secret: SEEDS.sha256, suite: 'HMAC-SHA256', digits: 8, period: 60, encryptPeriod: true, manufacturer: 'Token2', model: 'C302' },
  { keyId: 'KID-3', algorithm: 'totp', secret: SEEDS.sha512, suite: 'HMAC-SHA512', digits: 6, period: 30 },
  { keyId: 'k4', serial: '0001234570', algorithm: 'hotp', secret: SEEDS.other, manufacturer: 'Token2', model: 'OTPC-P1' },
];

export const GENERATED_FIXTURES: Record<string, () => string> = {
  'totp-plain.pskcxml': () =>
    buildPskc(
      [
        ...DESK_KEYS,
        { keyId: 'k5', serial: '0001234570', algorithm: 'pin', secret: new Uint8Array(Buffer.from('1234')) },
        { keyId: 'k6', serial: '0001234571', algorithm: 'totp', suite: 'HMAC-SHA1', period: 30 },
        { keyId: 'k7', serial: '0001234572', algorithm: 'totp', secret: SEEDS.other, period: 45 },
        { keyId: 'k8', serial: '0001234567', algorithm: 'totp', secret: SEEDS.other, period: 30 },
      ],
      { kind: 'plain' },
      'p',
    ),
  'totp-aes128-cbc.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'aes128-cbc', key: PSK_128, mac: 'hmac-sha1' }),
  'totp-aes192-cbc.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'aes192-cbc', key: PSK_192, mac: 'hmac-sha224' }),
  'totp-aes256-cbc.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'aes256-cbc', key: PSK_256, mac: 'hmac-sha256' }, 'pskc'),
  'totp-kw-aes128.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'kw-aes128', key: PSK_128 }),
  'totp-kw-aes192.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'kw-aes192', key: PSK_192, mac: 'hmac-sha384' }),
  'totp-kw-aes256.pskcxml': () => buildPskc(DESK_KEYS, { kind: 'psk', cipher: 'kw-aes256', key: PSK_256, mac: 'hmac-sha512' }),
  'totp-pbkdf2.pskcxml': () =>
    buildPskc(DESK_KEYS, { kind: 'password', cipher: 'aes256-cbc', password: FIXTURE_PASSWORD, iterations: 2000, prf: 'hmac-sha256', mac: 'hmac-sha256' }),
};

if (process.argv.includes('--write')) {
  mkdirSync(GENERATED_DIR, { recursive: true });
  for (const [name, build] of Object.entries(GENERATED_FIXTURES)) {
    writeFileSync(join(GENERATED_DIR, name), build());
    process.stdout.write(`wrote ${name}\n`);
  }
}
