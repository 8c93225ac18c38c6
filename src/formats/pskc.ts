/**
 * PSKC, the Portable Symmetric Key Container (RFC 6030): the XML seed file of most OATH token
 * vendors, plain or with the secrets encrypted under a pre-shared key or a password.
 *
 * What becomes a seed: a KeyPackage whose Key has a TOTP algorithm and a Secret. Its serial is
 * DeviceInfo/SerialNo, else the Key Id; the hash comes from AlgorithmParameters/Suite, the digits
 * from ResponseFormat Length (default 6), the period from Data/TimeInterval (default 30) and the
 * starting clock offset from Data/TimeDrift (in time steps, RFC 6030 section 4.3.4).
 * HOTP, OCRA, PIN and Yubico keys, keys whose secret is not in the file, and keys whose secret is
 * encrypted to a certificate (RSA key transport, which needs a private key tokendesk never holds)
 * are listed as skipped with the reason.
 *
 * What refuses the whole file: not PSKC 1.0, a DOCTYPE, an encryption or MAC algorithm we do not
 * support, a missing or wrong key or password, any ValueMAC that does not match (checked on every
 * encrypted value, also of keys we skip: a tampered file is not trusted), and RSA key transport
 * when it leaves nothing to import (the whole file uses it).
 *
 * Why this file is long: RFC 6030 packs three jobs into one document (the keys that protect the
 * secrets, the MAC of every encrypted value, and the key packages), and each refusal must name the
 * element and say what to ask the vendor for. They share the per-file state in one class; the
 * cryptography itself is in pskcCrypto.ts and the XML reading in safeXml.ts.
 */
import {
  DecryptionFailed,
  cipherAlgorithm,
  decodeBase64,
  decrypt,
  hmacDigest,
  isRsaAlgorithm,
  macMatches,
  pbkdf2,
} from './pskcCrypto.js';
import type { CipherAlgorithm, Digest } from './pskcCrypto.js';
import { childText, firstChild, readXml } from './safeXml.js';
import type { XmlElement } from './safeXml.js';
import { SerialsSeen, WarningTally, repeatedSerialReason, checkName, checkSeedLength, checkSerial, defaultNames, describeWhere, noteHashLength } from './seedRules.js';
import { headText } from './sniff.js';
import { SeedFileError } from './types.js';
import type { ByteSource, HashAlgorithm, ParseOptions, ParseResult, SeedImporter, SeedRecord, Where } from './types.js';

export const PSKC_NAMESPACE = 'urn:ietf:params:xml:ns:keyprov:pskc';
/** A 10,000-key encrypted file is about 15 MB; 50 MB leaves room and bounds the work. */
export const MAX_PSKC_BYTES = 50 * 1024 * 1024;
/** RFC 6030 documents nest about 8 deep; 32 leaves room for vendor extensions. */
export const MAX_PSKC_DEPTH = 32;
/** Far above any vendor's PBKDF2 setting, low enough that a hostile file cannot stall the desk for hours. */
const MAX_PBKDF2_ITERATIONS = 10_000_000;

type KeyKind = 'totp' | 'hotp' | 'ocra' | 'pin' | 'yubico' | 'unknown' | 'missing';

function keyKind(uri: string | undefined): KeyKind {
  if (uri === undefined || uri.trim() === '') return 'missing';
  const lower = uri.trim().toLowerCase();
  if (lower.includes('ocra')) return 'ocra';
  if (lower.includes('yubico') || lower.includes('yubikey')) return 'yubico';
  // urn:ietf:params:xml:ns:keyprov:pskc:totp, ...pskc#totp, http://www.ietf.org/keyprov/pskc#totp
  const name = lower.split(/[#:/]/).pop() ?? '';
  if (name.startsWith('totp')) return 'totp';
  if (name.startsWith('hotp')) return 'hotp';
  if (name === 'pin') return 'pin';
  return 'unknown';
}

const SKIP_REASONS: Record<Exclude<KeyKind, 'totp' | 'unknown'>, string> = {
  hotp: 'HOTP (counter-based) key: tokendesk hands out TOTP tokens only',
  ocra: 'OCRA (challenge-response) key: not a TOTP key',
  pin: 'PIN key (the device PIN, not a one-time password key)',
  yubico: 'Yubico OTP key: not a TOTP key',
  missing: 'the key names no Algorithm, so it cannot be told to be TOTP',
};

/** The hash in a Suite such as "HMAC-SHA256", or null when we do not support it. */
function suiteHash(suite: string): HashAlgorithm | null {
  const name = suite.trim().toUpperCase().replace(/^HMAC-?/, '').replace(/-/g, '');
  if (name === 'SHA1') return 'SHA1';
  if (name === 'SHA256') return 'SHA256';
  if (name === 'SHA512') return 'SHA512';
  return null;
}

interface Derivation {
  salt: Uint8Array;
  iterations: number;
  keyLength: number;
  digest: Digest;
  masterKeyName?: string;
}

interface MacMethod {
  digest: Digest;
  /** Decrypted MACKey; absent when the file has none and the encryption key is used (early drafts). */
  key?: Uint8Array;
  /** The MACKey is encrypted to a certificate: the MACs cannot be checked. */
  keyViaRsa?: boolean;
}

/** An encrypted value as the file states it; 'rsa' when only a private RSA key could open it. */
type EncryptedBytes = { ciphertext: Uint8Array; algorithm: CipherAlgorithm } | 'rsa';

/** One pass over one PSKC document. */
class PskcReading {
  readonly result: ParseResult = { format: 'pskc', records: [], rejects: [], skipped: [], warnings: [] };
  private readonly serials: SerialsSeen;
  private readonly tally = new WarningTally();
  private keyName?: string;
  private derivation?: Derivation;
  private derivedKey?: Uint8Array;
  private mac?: MacMethod;
  private packages = 0;
  /** Records read (result.records stays empty when the caller streams them: keepRecords false). */
  private recordCount = 0;
  /** EncryptionKey names a certificate (X509Data, KeyValue...): the file's key is RSA-transported. */
  private rsaTransport = false;
  private rsaSkipped = 0;
  /** Each encrypted value decoded once: its MAC is checked first, then it is decrypted. */
  private readonly ciphers = new WeakMap<XmlElement, EncryptedBytes>();

  private readonly names: { manufacturer: string; model: string };

  constructor(private readonly options: ParseOptions) {
    this.serials = new SerialsSeen(options);
    this.names = defaultNames(options);
  }

  root(element: XmlElement): void {
    if (element.local !== 'KeyContainer') {
      throw new SeedFileError(
        `This XML is not a PSKC file: its root element is <${element.local.slice(0, 40)}>, not <KeyContainer>. ` +
          'Check that this is the seed file the vendor sent (PSKC, RFC 6030), not another XML document.',
      );
    }
    if (element.uri !== PSKC_NAMESPACE) {
      throw new SeedFileError(
        `This KeyContainer is not in the PSKC namespace ${PSKC_NAMESPACE} (RFC 6030) but in "${element.uri.slice(0, 80)}": ` +
          'probably a pre-standard draft format tokendesk does not read. Ask the vendor for an RFC 6030 (PSKC 1.0) file.',
      );
    }
    const version = element.attributes.get('Version');
    if (version === undefined) {
      this.result.warnings.push({ message: 'The KeyContainer has no Version; read as PSKC 1.0.' });
    } else if (version.trim() !== '1.0') {
      throw new SeedFileError(
        `This is PSKC version ${version.slice(0, 10)}; tokendesk reads version 1.0 (RFC 6030). Ask the vendor for a PSKC 1.0 file.`,
      );
    }
  }

  child(element: XmlElement): void {
    switch (element.local) {
      case 'EncryptionKey':
        return this.encryptionKeyInfo(element);
      case 'MACMethod':
        return this.macMethod(element);
      case 'KeyPackage':
        return this.keyPackage(element);
      case 'Signature':
        this.result.warnings.push({ message: "The file is signed; tokendesk does not check XML signatures (the MACs are checked)." });
        return;
      default:
        return;
    }
  }

  finish(): ParseResult {
    if (this.rsaSkipped > 0 && this.recordCount === 0) throw rsaRefusal(this.rsaSkipped);
    this.tally.flushInto(this.result.warnings);
    if (this.packages === 0) this.result.warnings.push({ message: 'The file holds no KeyPackage: there is nothing to import.' });
    return this.result;
  }

  /* ------------------------------------------------------------ keys that protect the secrets */

  private encryptionKeyInfo(element: XmlElement): void {
    for (const child of element.children) {
      if (child.local === 'KeyName') this.keyName = child.text.trim();
      else if (child.local === 'DerivedKey') this.derivation = this.readDerivation(child);
      else if (['X509Data', 'KeyValue', 'RetrievalMethod', 'EncryptedKey', 'X509Certificate'].includes(child.local)) {
        this.rsaTransport = true;
      }
    }
  }

  private readDerivation(derivedKey: XmlElement): Derivation {
    const method = firstChild(derivedKey, 'KeyDerivationMethod');
    const algorithm = method?.attributes.get('Algorithm') ?? '';
    if (!/#pbkdf2$/i.test(algorithm.trim())) {
      throw new SeedFileError(
        `The file's key is derived with ${algorithm ? `"${algorithm.slice(0, 100)}"` : 'an unnamed method'}; tokendesk supports PBKDF2 only.`,
      );
    }
    const params = firstChild(method, 'PBKDF2-params');
    const salt = decodeBase64(childText(firstChild(params, 'Salt'), 'Specified') ?? '');
    const iterations = Number(childText(params, 'IterationCount'));
    const keyLength = Number(childText(params, 'KeyLength'));
    // PKCS #5's schema gives the PRF as <PRF Algorithm="...#hmac-sha256"/>; python-pskc (and files
    // made with it) writes the URI as the element's text. Both mean the same; none means HMAC-SHA1.
    const prf = firstChild(params, 'PRF');
    const prfUri = prf?.attributes.get('Algorithm')?.trim() || prf?.text.trim() || undefined;
    const digest = prfUri === undefined ? 'sha1' : hmacDigest(prfUri);
    if (salt === null || salt.byteLength === 0 || !Number.isSafeInteger(iterations) || iterations < 1 || ![16, 24, 32].includes(keyLength)) {
      throw new SeedFileError('The file\'s PBKDF2 settings are incomplete (salt, iteration count, key length of 16, 24 or 32 bytes).');
    }
    if (iterations > MAX_PBKDF2_ITERATIONS) {
      throw new SeedFileError(`The file asks for ${iterations} PBKDF2 iterations; tokendesk stops at ${MAX_PBKDF2_ITERATIONS}.`);
    }
    if (digest === null) throw new SeedFileError(`The file's PBKDF2 uses an unsupported function "${prfUri!.slice(0, 100)}".`);
    const masterKeyName = childText(derivedKey, 'MasterKeyName');
    return { salt, iterations, keyLength, digest, ...(masterKeyName ? { masterKeyName } : {}) };
  }

  /** The key that decrypts values under `algorithm`: the pre-shared key or the password-derived one. */
  private encryptionKey(algorithm: CipherAlgorithm): Uint8Array {
    let key: Uint8Array;
    let what: string;
    if (this.derivation) {
      if (this.options.password === undefined || this.options.password === '') {
        const name = this.derivation.masterKeyName ? ` ("${this.derivation.masterKeyName.slice(0, 60)}")` : '';
        throw new SeedFileError(`The file's secrets are protected by a password${name}: give it with --password-file FILE.`);
      }
      const { salt, iterations, keyLength, digest } = this.derivation;
      this.derivedKey ??= pbkdf2(this.options.password, salt, iterations, keyLength, digest);
      key = this.derivedKey;
      what = 'password-derived key';
    } else {
      if (this.options.psk === undefined) {
        const name = this.keyName ? ` (the file calls it "${this.keyName.slice(0, 60)}")` : '';
        throw new SeedFileError(`The file's secrets are encrypted with a pre-shared key${name}: give it with --psk HEX.`);
      }
      key = this.options.psk;
      what = 'pre-shared key';
    }
    if (key.byteLength !== algorithm.keyBytes) {
      throw new SeedFileError(
        `The file uses ${algorithm.label}, which needs a ${algorithm.keyBytes}-byte key; the ${what} is ${key.byteLength} bytes.`,
      );
    }
    return key;
  }

  private macMethod(element: XmlElement): void {
    const uri = element.attributes.get('Algorithm');
    const digest = hmacDigest(uri);
    if (digest === null) {
      throw new SeedFileError(`The file's MAC algorithm ${uri ? `"${uri.slice(0, 100)}"` : '(none named)'} is not supported; tokendesk checks HMAC-SHA1/224/256/384/512.`);
    }
    if (firstChild(element, 'MACKeyReference')) {
      throw new SeedFileError('The file refers to a MAC key held elsewhere (MACKeyReference); tokendesk needs the MACKey in the file.');
    }
    const macKey = firstChild(element, 'MACKey');
    if (macKey === undefined) this.mac = { digest };
    else if (this.cipherOf(macKey, 'MAC key') === 'rsa') this.mac = { digest, keyViaRsa: true };
    else this.mac = { digest, key: this.decryptElement(macKey, 'the MAC key').plaintext };
  }

  /** Decrypt an EncryptedValue-shaped element (EncryptionMethod + CipherData/CipherValue). */
  private decryptElement(element: XmlElement, what: string): { ciphertext: Uint8Array; algorithm: CipherAlgorithm; plaintext: Uint8Array } {
    const encrypted = this.cipherOf(element, what);
    // Callers skip RSA-transported values before decrypting; this is the backstop.
    if (encrypted === 'rsa') throw rsaRefusal(1);
    const { ciphertext, algorithm } = encrypted;
    try {
      return { ciphertext, algorithm, plaintext: decrypt(algorithm, this.encryptionKey(algorithm), ciphertext) };
    } catch (error) {
      if (!(error instanceof DecryptionFailed)) throw error;
      if (error.why === 'malformed') {
        throw new SeedFileError(`The encrypted ${what} is damaged (wrong length): the file may be cut or edited; ask the vendor to send it again.`);
      }
      throw new SeedFileError(`Could not decrypt ${what}: ${this.wrongKeyAdvice()}`);
    }
  }

  /**
   * What to do when a value does not open or its MAC does not match. With a password, say how the
   * key was derived (never the key): a PRF or iteration count read wrongly looks exactly like a
   * wrong password, and these are the numbers to compare with the vendor's.
   */
  private wrongKeyAdvice(): string {
    if (this.derivation) {
      const { digest, iterations, keyLength } = this.derivation;
      return (
        'the password is wrong, or the file is damaged. Check the password file (one line, the password exactly as the vendor sent it). ' +
        `The key was derived as the file says: PBKDF2 with HMAC-${digest.toUpperCase().replace('SHA', 'SHA-')}, ${iterations} iterations, a ${keyLength}-byte key`
      );
    }
    return 'the pre-shared key is wrong, or the file is damaged. Check the --psk value (hex) against the key the vendor sent';
  }

  /** Whether a value under this EncryptionMethod can only be opened with a private RSA key. */
  private viaRsa(uri: string): boolean {
    if (isRsaAlgorithm(uri)) return true;
    // A symmetric value under a certificate-type EncryptionKey: its AES key came wrapped to the
    // certificate. Only an admin who unwrapped it themselves can give it with --psk.
    return this.rsaTransport && this.derivation === undefined && this.options.psk === undefined;
  }

  private cipherOf(element: XmlElement, what: string): EncryptedBytes {
    const cached = this.ciphers.get(element);
    if (cached !== undefined) return cached;
    const encrypted = this.readCipher(element, what);
    this.ciphers.set(element, encrypted);
    return encrypted;
  }

  private readCipher(element: XmlElement, what: string): EncryptedBytes {
    const uri = firstChild(element, 'EncryptionMethod')?.attributes.get('Algorithm');
    if (uri === undefined) throw new SeedFileError(`The encrypted ${what} does not say how it is encrypted (no EncryptionMethod).`);
    if (this.viaRsa(uri)) return 'rsa';
    const algorithm = cipherAlgorithm(uri);
    if (algorithm === null) {
      throw new SeedFileError(
        `The file is encrypted with "${uri.slice(0, 100)}", which tokendesk does not support ` +
          '(it reads AES-128/192/256-CBC and AES key wrap). Ask the vendor for one of those.',
      );
    }
    const cipherData = firstChild(element, 'CipherData');
    if (firstChild(cipherData, 'CipherReference')) {
      throw new SeedFileError(`The encrypted ${what} refers to data outside the file (CipherReference); tokendesk does not follow it.`);
    }
    const ciphertext = decodeBase64(childText(cipherData, 'CipherValue') ?? '');
    if (ciphertext === null || ciphertext.byteLength === 0) throw new SeedFileError(`The encrypted ${what} is not valid base64.`);
    return { ciphertext, algorithm };
  }

  /* ------------------------------------------------------------ key packages */

  /**
   * Check the ValueMAC of every encrypted value under Data, whatever becomes of the key.
   * Returns whether a value is encrypted to a certificate (the key is then skipped).
   */
  private checkMacs(data: XmlElement | undefined, where: Where): boolean {
    let viaRsa = false;
    for (const field of data?.children ?? []) {
      const encrypted = firstChild(field, 'EncryptedValue');
      if (encrypted === undefined) continue;
      const what = `${field.local} of ${describeWhere(where)}`;
      const valueMac = childText(field, 'ValueMAC');
      const cipher = this.cipherOf(encrypted, what);
      if (cipher === 'rsa') {
        // Its MAC key would come from the same private key tokendesk does not hold.
        viaRsa = true;
        continue;
      }
      const { ciphertext, algorithm } = cipher;
      if (valueMac === undefined) {
        if (this.mac) {
          throw new SeedFileError(
            `The ${what} has no ValueMAC although the file declares a MAC: the file was altered. Ask the vendor to send it again.`,
          );
        }
        if (algorithm.mode === 'cbc') {
          this.tally.note('no-mac', where, (count, first) =>
            `${count} encrypted value(s) carry no MAC (first: ${describeWhere(first)}): a wrong key could go unnoticed until a code fails at the desk.`,
          );
        }
        continue;
      }
      if (this.mac === undefined) {
        throw new SeedFileError(`The ${what} has a ValueMAC but the file names no MACMethod: the file was altered. Ask the vendor to send it again.`);
      }
      if (this.mac.keyViaRsa) {
        throw new SeedFileError(
          "The file's MAC key is encrypted to a certificate (RSA key transport), so tokendesk cannot check that the file is intact. " +
            'Ask the vendor for the file encrypted with a pre-shared key or a password only.',
        );
      }
      const expected = decodeBase64(valueMac);
      if (expected === null) throw new SeedFileError(`The ValueMAC of the ${what} is not valid base64: the file was altered. Ask the vendor to send it again.`);
      // RFC 6030 section 6.1.1: the MAC covers the CipherValue as it stands, IV and ciphertext.
      const macKey = this.mac.key ?? this.encryptionKey(algorithm);
      if (!macMatches(this.mac.digest, macKey, ciphertext, expected)) {
        throw new SeedFileError(
          `The MAC of the ${what} does not match: ${this.wrongKeyAdvice()}, or ask the vendor whether the file was changed after they made it.`,
        );
      }
    }
    return viaRsa;
  }

  private readBytes(field: XmlElement, what: string): Uint8Array | { problem: string } {
    const plain = firstChild(field, 'PlainValue');
    if (plain) return decodeBase64(plain.text) ?? { problem: `the ${what} is not valid base64` };
    const encrypted = firstChild(field, 'EncryptedValue');
    if (encrypted) return this.decryptElement(encrypted, `the ${what}`).plaintext;
    return { problem: `the ${what} has no value` };
  }

  private readInteger(field: XmlElement | undefined, what: string, signed: boolean): number | undefined | { problem: string } {
    if (field === undefined) return undefined;
    const plain = firstChild(field, 'PlainValue');
    if (plain) {
      const text = plain.text.trim();
      return /^[-+]?\d{1,15}$/.test(text) ? Number(text) : { problem: `the ${what} is not a whole number` };
    }
    const bytes = this.readBytes(field, what);
    if (!(bytes instanceof Uint8Array)) return bytes;
    if (bytes.byteLength === 0 || bytes.byteLength > 8) return { problem: `the encrypted ${what} is not an integer` };
    // Encrypted integers are big-endian (RFC 6030 section 6.1).
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    if (signed && bytes[0]! >= 0x80) value -= 1n << BigInt(bytes.byteLength * 8);
    return Number(value);
  }

  private keyPackage(element: XmlElement): void {
    this.packages++;
    const key = firstChild(element, 'Key');
    const device = firstChild(element, 'DeviceInfo');
    const keyId = key?.attributes.get('Id')?.trim();
    const where: Where = { line: element.line, keyId: keyId || `#${this.packages}` };
    const serialCheck = checkSerial(childText(device, 'SerialNo') || keyId);
    const serial = serialCheck.ok ? serialCheck.value : undefined;
    const withSerial = serial === undefined ? {} : { serial };

    if (key === undefined) {
      this.result.skipped.push({ where, ...withSerial, reason: 'the KeyPackage holds no Key' });
      return;
    }
    const data = firstChild(key, 'Data');
    const viaRsa = this.checkMacs(data, where);

    const algorithmUri = key.attributes.get('Algorithm');
    const kind = keyKind(algorithmUri);
    if (kind !== 'totp') {
      const reason = kind === 'unknown' ? `unknown key algorithm "${algorithmUri!.trim().slice(0, 100)}": not TOTP` : SKIP_REASONS[kind];
      this.result.skipped.push({ where, ...withSerial, reason });
      return;
    }
    const secretField = firstChild(data, 'Secret');
    if (secretField === undefined) {
      const why = firstChild(key, 'KeyReference') ? 'a KeyReference' : 'no Secret';
      this.result.skipped.push({ where, ...withSerial, reason: `the secret is not in the file (${why}): nothing to verify codes against` });
      return;
    }
    if (viaRsa) {
      this.rsaSkipped++;
      this.result.skipped.push({ where, ...withSerial, reason: RSA_SKIP_REASON });
      return;
    }
    const reject = (reason: string) => {
      this.result.rejects.push({ where, ...withSerial, reason });
    };
    if (!serialCheck.ok) return reject(serialCheck.problem);

    const secret = this.readBytes(secretField, 'secret');
    if (!(secret instanceof Uint8Array)) return reject(secret.problem);
    const seedLength = checkSeedLength(secret, this.options);
    if (seedLength !== null) return reject(seedLength);

    const params = firstChild(key, 'AlgorithmParameters');
    const suite = childText(params, 'Suite');
    let algorithm: HashAlgorithm;
    if (suite !== undefined && suite !== '') {
      const named = suiteHash(suite);
      // The Suite's text is never quoted: in a damaged file any element text could be a secret.
      if (named === null) return reject('the hash its Suite names is not supported (tokendesk takes HMAC-SHA1, -SHA256 or -SHA512)');
      algorithm = named;
    } else {
      algorithm = this.options.hash ?? 'SHA1';
      noteHashLength(this.tally, secret, algorithm, where);
    }

    const format = firstChild(params, 'ResponseFormat');
    const length = format?.attributes.get('Length')?.trim() ?? '6';
    if (length !== '6' && length !== '8') return reject(`it shows ${/^\d{1,3}$/.test(length) ? `${length}-digit` : 'unreadable'} codes; tokendesk takes 6 or 8 digits`);
    const encoding = format?.attributes.get('Encoding')?.trim().toUpperCase() ?? 'DECIMAL';
    if (encoding !== 'DECIMAL') {
      const named = ['HEXADECIMAL', 'ALPHANUMERIC', 'BASE64', 'BINARY'].includes(encoding) ? encoding : 'not DECIMAL';
      return reject(`its codes are ${named}, not decimal digits`);
    }

    const period = this.readInteger(firstChild(data, 'TimeInterval'), 'time interval', false) ?? 30;
    if (typeof period !== 'number') return reject(period.problem);
    if (period !== 30 && period !== 60) return reject(`its time interval is ${period} s; tokendesk takes 30 or 60`);
    const t0 = this.readInteger(firstChild(data, 'Time'), 'start time (T0)', false);
    if (t0 !== undefined && typeof t0 !== 'number') return reject(t0.problem);
    if (t0 !== undefined && t0 !== 0) return reject('its start time T0 is not 0; tokendesk counts steps from 1970 (T0 = 0)');
    const drift = this.readInteger(firstChild(data, 'TimeDrift'), 'time drift', true);
    if (drift !== undefined && typeof drift !== 'number') return reject(drift.problem);

    // No DeviceInfo (or empty fields): the --manufacturer/--model values, as for OATH CSV.
    const manufacturer = childText(device, 'Manufacturer') || this.names.manufacturer;
    const model = childText(device, 'Model') || this.names.model;
    const badName = checkName('manufacturer', manufacturer) ?? checkName('model', model);
    if (badName !== null) return reject(badName);

    const first = this.serials.earlier(serial!, where);
    if (first) return reject(repeatedSerialReason('pskc', serial!, first));

    const record: SeedRecord = {
      serial: serial!,
      secret,
      algorithm,
      digits: Number(length),
      period,
      manufacturer,
      model,
      where,
    };
    if (drift !== undefined && drift !== 0) record.driftSteps = drift;
    this.recordCount++;
    if (this.options.keepRecords !== false) this.result.records.push(record);
    this.options.onRecord?.(record);
  }
}

const RSA_SKIP_REASON =
  'its secret is encrypted to a certificate (RSA key transport), which tokendesk cannot open: ' +
  'ask the vendor for this token\'s seed under a pre-shared key or a password';

/** Every key worth importing is RSA-transported: refuse the file rather than list a skip per key. */
function rsaRefusal(keys: number): SeedFileError {
  return new SeedFileError(
    `The file's secrets${keys > 1 ? ` (${keys} TOTP keys)` : ''} are encrypted to a certificate (RSA key transport), ` +
      'which tokendesk does not support. Ask the vendor for the file encrypted with a pre-shared key or a password.',
  );
}

export async function parsePskc(source: ByteSource, options: ParseOptions = {}): Promise<ParseResult> {
  const reading = new PskcReading(options);
  let bytesRead = 0;
  try {
    await readXml(source, {
      maxBytes: MAX_PSKC_BYTES,
      maxDepth: MAX_PSKC_DEPTH,
      what: 'This PSKC file',
      warnings: reading.result.warnings,
      onProgress: (bytes) => {
        bytesRead = bytes;
        options.onProgress?.(bytes);
      },
      onRoot: (root) => reading.root(root),
      onChild: (child) => reading.child(child),
    });
  } catch (error) {
    if (bytesRead === 0 && error instanceof SeedFileError) throw new SeedFileError('The file is empty: expected a PSKC (RFC 6030) XML document.');
    throw error;
  }
  return reading.finish();
}

export const pskcImporter: SeedImporter = {
  format: 'pskc',
  sniff(head: Uint8Array): boolean {
    const text = headText(head).trimStart();
    return text.startsWith('<') && /<([A-Za-z_][\w.-]*:)?KeyContainer[\s>/]/.test(text);
  },
  parse: parsePskc,
};
