/**
 * Encryption of batches: batch files cross USB sticks and mail only encrypted, in the standard age
 * v1 format (X25519 recipients), so `age -d -i key.txt batch.csv.age` opens them as well as
 * `tokendesk batch decrypt`. Bytes in, bytes out (or blocks in, blocks out): no files, no database.
 *
 * Nothing here ever quotes what it was given. A recipients file may hold a secret identity pasted
 * by mistake, an identity file holds one by design, and the age library's own messages quote input
 * (a file's first line, for one): problems are described by line number and kind only.
 */
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { Refusal } from '../../core/errors.js';

export { AGE_SUFFIX } from './names.js';

/** The first line of every binary age v1 file. */
const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n', 'latin1');
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

export interface LineProblem {
  /** 1-based line of the file, or the position of the value among repeated flags. */
  line: number;
  reason: string;
}

/* ------------------------------------------------------------- recipients */

/** Why `text` is not an age X25519 recipient (age1 + 58 characters), or null. Never quotes it. */
export function recipientProblem(text: string): string | null {
  const value = text.trim();
  if (value === '') return 'it is empty';
  if (/^AGE-SECRET-KEY-/i.test(value)) {
    return 'it is a secret identity (AGE-SECRET-KEY-...), not a recipient: give the public key (age1...) and keep the identity away from the desk';
  }
  if (/^AGE-PLUGIN-/i.test(value)) return 'it is a plugin identity, not a recipient';
  if (/^age1(pq|tag|tagpq)1/.test(value)) return 'only X25519 recipients (age1 followed by 58 characters) are supported, not post-quantum or tag recipients';
  if (/^ssh-/.test(value)) return 'SSH keys are not supported: give an age X25519 recipient (age1...)';
  if (!value.startsWith('age1')) return 'it does not start with age1 (an age X25519 recipient looks like age1 followed by 58 characters)';
  try {
    new Encrypter().addRecipient(value);
  } catch {
    return 'it is not a valid age X25519 recipient (age1 followed by 58 characters; mistyped or cut short?)';
  }
  return null;
}

/** A recipients file as age reads one: one recipient per line, `#` comments, blank lines ignored. */
export function parseRecipientList(text: string): { recipients: string[]; problems: LineProblem[] } {
  const recipients: string[] = [];
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = recipientProblem(line);
    if (problem) problems.push({ line: i + 1, reason: problem });
    else recipients.push(line);
  });
  return { recipients: [...new Set(recipients)], problems };
}

/* ------------------------------------------------------------- identities */

/** An identity file as `age-keygen` writes one: `AGE-SECRET-KEY-1...` lines, `#` comments. */
export function parseIdentityList(text: string): { identities: string[]; problems: LineProblem[] } {
  const identities: string[] = [];
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const problem = identityProblem(line);
    if (problem) problems.push({ line: i + 1, reason: problem });
    else identities.push(line);
  });
  return { identities, problems };
}

function identityProblem(line: string): string | null {
  if (line.startsWith('age1')) return 'it is a recipient (public key), not an identity: the identity file is the one holding AGE-SECRET-KEY-1...';
  if (line.startsWith('AGE-PLUGIN-')) return 'plugin identities are not supported here: decrypt with `age -d -i` instead';
  if (line.startsWith('-----BEGIN')) return 'it is not an age identity file (PEM or SSH keys are not supported)';
  if (!line.startsWith('AGE-SECRET-KEY-1') && !line.startsWith('AGE-SECRET-KEY-PQ-1')) return 'it is not an age identity (AGE-SECRET-KEY-1 followed by 58 characters)';
  try {
    new Decrypter().addIdentity(line);
  } catch {
    return 'it is not a valid age identity (mistyped or cut short?)';
  }
  return null;
}

/** The public recipients (age1...) of these identities: safe to show. */
export async function recipientsOf(identities: string[]): Promise<string[]> {
  return Promise.all(identities.map((identity) => identityToRecipient(identity)));
}

export interface NewKeyPair {
  /** AGE-SECRET-KEY-1...: goes only in the identity file. */
  identity: string;
  recipient: string;
  /** The identity file, laid out as `age-keygen` writes it. */
  fileText: string;
}

export async function newKeyPair(now = new Date()): Promise<NewKeyPair> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { identity, recipient, fileText: `# created: ${created}\n# public key: ${recipient}\n${identity}\n` };
}

/* ------------------------------------------------------------- files */

/** True when these bytes are an age file, binary or armored. */
export function looksLikeAge(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64));
  return head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC) || head.toString('latin1').trimStart().startsWith(ARMOR_BEGIN);
}

function encrypterFor(recipients: string[]): Encrypter {
  if (recipients.length === 0) throw new Refusal('no-recipients', 'encrypting a batch needs at least one recipient (age1...)');
  const encrypter = new Encrypter();
  for (const recipient of recipients) {
    const problem = recipientProblem(recipient);
    if (problem) throw new Refusal('bad-recipient', `a recipient is not usable: ${problem}`);
    encrypter.addRecipient(recipient);
  }
  return encrypter;
}

/** Binary age v1, to every recipient (each can decrypt alone). */
export async function encryptBatch(plaintext: Uint8Array, recipients: string[]): Promise<Uint8Array> {
  return encrypterFor(recipients).encrypt(plaintext);
}

/**
 * The same, as a stream: plaintext blocks are pulled from `blocks` only as age asks for them (it
 * encrypts in 64 KiB chunks), so neither the plaintext nor the age file is ever whole in memory.
 * `done` receives what the generator returns when it ends.
 */
export async function* encryptBlocks<R>(blocks: Iterator<Uint8Array, R, undefined>, recipients: string[], done: (result: R) => void): AsyncGenerator<Uint8Array> {
  const source = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = blocks.next();
        if (next.done) {
          done(next.value);
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      },
      cancel() {
        blocks.return?.();
      },
    },
    { highWaterMark: 0 }, // pull only when age asks: no block is read ahead
  );
  const encrypted = await encrypterFor(recipients).encrypt(source);
  try {
    for await (const chunk of encrypted) yield chunk;
  } finally {
    blocks.return?.();
  }
}

export interface DecryptLabels {
  /** The encrypted file, for messages. */
  file: string;
  /** Where the identities came from, for messages. */
  identityFile: string;
}

/**
 * The plaintext of an age file (binary or armored). Refusals: `not-age` (not an age file),
 * `wrong-identity` (encrypted to someone else), `damaged` (changed or cut short after encryption).
 */
export async function decryptBatch(ciphertext: Uint8Array, identities: string[], labels: DecryptLabels): Promise<Uint8Array> {
  if (identities.length === 0) throw new Refusal('no-identity', `${labels.identityFile} holds no age identity (AGE-SECRET-KEY-1...)`);
  let bytes = ciphertext;
  if (!looksLikeAge(bytes)) {
    throw new Refusal('not-age', `${labels.file} is not an age-encrypted file (it does not start with the age v1 header); nothing was written`);
  }
  if (!Buffer.from(bytes.subarray(0, AGE_MAGIC.length)).equals(AGE_MAGIC)) {
    try {
      bytes = armor.decode(Buffer.from(bytes).toString('latin1'));
    } catch {
      throw new Refusal('damaged', `${labels.file} is an armored age file, but its text is damaged; nothing was written`);
    }
  }
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(bytes);
  } catch (error) {
    // Our own words only: the library's messages can quote the file's first line.
    if (error instanceof Error && /no identity matched/.test(error.message)) {
      const mine = await recipientsOf(identities).catch(() => [] as string[]);
      throw new Refusal(
        'wrong-identity',
        `${labels.file} was not encrypted to the identity in ${labels.identityFile}` +
          (mine.length > 0 ? ` (its public key is ${mine.join(', ')})` : '') +
          ': use the identity whose public key was given to `tokendesk export --encrypt-to`, or export the batch again to this key. Nothing was written',
      );
    }
    throw new Refusal('damaged', `${labels.file} cannot be decrypted: it was changed or cut short after it was encrypted (copy it again from the desk); nothing was written`);
  }
}
