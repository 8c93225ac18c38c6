/**
 * A PGP-encrypted seed file (Token2 and others encrypt to the customer's public key; some send a
 * password-only message), opened in memory with openpgp. The refusals say which key the message
 * is for (key ids are public) and what to give; they never hold the key, passphrase or plaintext.
 */
import { formatBytes } from '../byteSource.js';
import * as openpgp from 'openpgp';
import { DeliveryError, MAX_DELIVERED_BYTES, innerNameOf } from './delivery.js';
import type { DeliveredFile, DeliveryKeys } from './delivery.js';

const hexId = (id: openpgp.KeyID) => `0x${id.toHex().toUpperCase()}`;

export async function openPgp(fileName: string, bytes: Uint8Array, keys: DeliveryKeys, maxBytes = MAX_DELIVERED_BYTES): Promise<DeliveredFile> {
  const message = await readMessage(fileName, bytes);
  // A wildcard (hidden recipient) key id is all zeros: it names nobody.
  const recipients = message.getEncryptionKeyIDs().filter((id) => !/^0+$/.test(id.toHex()));
  const toKey = message.getEncryptionKeyIDs().length > 0;
  const toPassword = message.packets.filterByTag(openpgp.enums.packet.symEncryptedSessionKey).length > 0;
  const passwordOnly = toPassword && !toKey;
  const forWhom = recipients.length > 0 ? `key ${recipients.map(hexId).join(', ')}` : 'an undisclosed key';
  const givenKeys = keys.pgpPrivateKeys ?? [];

  if (givenKeys.length === 0 && !(toPassword && keys.password !== undefined)) {
    if (toKey) throw new DeliveryError('needs-key', `${fileName} is encrypted to the PGP ${forWhom}: give that private key with --pgp-key KEYFILE.`);
    throw new DeliveryError('needs-password', `${fileName} is a PGP message protected by a password: give it with --password-file FILE.`);
  }
  const decryptionKeys: openpgp.PrivateKey[] = [];
  for (const keyFile of givenKeys) decryptionKeys.push(...(await readPrivateKeys(fileName, keyFile)));
  if (decryptionKeys.length > 0 && recipients.length > 0 && !(toPassword && keys.password !== undefined)) {
    const held = new Set(decryptionKeys.flatMap((key) => key.getKeyIDs().map((id) => id.toHex())));
    if (!recipients.some((id) => held.has(id.toHex()))) {
      const given = [...new Set(decryptionKeys.map((key) => hexId(key.getKeyID())))].join(', ');
      throw new DeliveryError(
        'wrong-key',
        `${fileName} is encrypted to the PGP ${forWhom}, and the key file given holds ${given}: give the private key the vendor encrypted to.`,
      );
    }
  }
  for (let i = 0; i < decryptionKeys.length; i++) decryptionKeys[i] = await unlock(fileName, decryptionKeys[i]!, keys.pgpKeyPassphrase);

  let result: { data: Uint8Array; filename: string };
  try {
    result = await openpgp.decrypt({
      message,
      format: 'binary',
      ...(toKey && decryptionKeys.length > 0 ? { decryptionKeys } : {}),
      ...(toPassword && keys.password !== undefined ? { passwords: [keys.password] } : {}),
      config: { maxDecompressedMessageSize: maxBytes },
    });
  } catch (error) {
    throw decryptRefusal(fileName, passwordOnly, error, maxBytes);
  }
  const name = result.filename && result.filename !== '_CONSOLE' ? baseName(result.filename) : innerNameOf(fileName);
  return { name, path: `${fileName} > ${name}`, bytes: result.data };
}

async function readMessage(fileName: string, bytes: Uint8Array): Promise<openpgp.Message<Uint8Array>> {
  try {
    const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 64)).replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('-----BEGIN PGP MESSAGE-----')) {
      return (await openpgp.readMessage({ armoredMessage: new TextDecoder('utf-8').decode(bytes) })) as unknown as openpgp.Message<Uint8Array>;
    }
    return await openpgp.readMessage({ binaryMessage: bytes });
  } catch {
    throw new DeliveryError('damaged', `${fileName} is not a readable PGP message (cut short or damaged): ask the vendor to send it again.`);
  }
}

async function readPrivateKeys(fileName: string, keyFile: Uint8Array): Promise<openpgp.PrivateKey[]> {
  const text = new TextDecoder('utf-8').decode(keyFile.subarray(0, 64)).trimStart();
  try {
    if (text.startsWith('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      throw new DeliveryError('wrong-key', `The key file given to open ${fileName} holds a public key: give the private key (gpg --export-secret-keys --armor).`);
    }
    return text.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----')
      ? await openpgp.readPrivateKeys({ armoredKeys: new TextDecoder('utf-8').decode(keyFile) })
      : await openpgp.readPrivateKeys({ binaryKeys: keyFile });
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw new DeliveryError('wrong-key', `The key file given to open ${fileName} is not a PGP private key (export it with gpg --export-secret-keys --armor).`);
  }
}

async function unlock(fileName: string, key: openpgp.PrivateKey, passphrase: string | undefined): Promise<openpgp.PrivateKey> {
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) {
    throw new DeliveryError(
      'needs-passphrase',
      `The private key ${hexId(key.getKeyID())} for ${fileName} is protected by a passphrase: give it with --pgp-passphrase-file FILE.`,
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new DeliveryError('wrong-passphrase', `The passphrase for the private key ${hexId(key.getKeyID())} is wrong (opening ${fileName}).`);
  }
}

function decryptRefusal(fileName: string, passwordOnly: boolean, error: unknown, maxBytes: number): DeliveryError {
  // openpgp's messages say which step failed; none of them holds key material or plaintext.
  const why = String((error as Error)?.message ?? '');
  if (/decompress|too large|size/i.test(why)) {
    return new DeliveryError('too-large', `${fileName} holds more than ${formatBytes(maxBytes)} once opened: ask the vendor to split it.`);
  }
  if (passwordOnly) {
    // A wrong password derives a wrong key, which shows up as a failed integrity check.
    return new DeliveryError(
      'wrong-password',
      `The password for ${fileName} is wrong (or the file is damaged): check the password file (one line, exactly as the vendor sent it).`,
    );
  }
  if (/session key/i.test(why)) {
    return new DeliveryError('wrong-key', `${fileName} does not open with the key (or password) given: check that it is the key the vendor encrypted to.`);
  }
  return new DeliveryError('damaged', `${fileName} did not decrypt (damaged or altered in transit): ask the vendor to send it again.`);
}

function baseName(name: string): string {
  return name.split(/[\\/]/).pop() || name;
}
