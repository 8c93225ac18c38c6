/**
 * "Never contains secret material", checked: a text leaks when any 16 consecutive characters of a
 * secret's hex, Base32 or base64 form appear in it (so a secret cut or shifted by a damaged file is
 * caught too, not only the whole value).
 */
import { encodeBase32 } from '../../src/core/secretCodec.js';

const WINDOW = 16;

export class SecretWatch {
  private readonly exact = new Set<string>();
  private readonly folded = new Set<string>();
  private readonly words: string[];

  constructor(secrets: Iterable<Uint8Array>, words: Iterable<string> = []) {
    for (const secret of secrets) {
      const bytes = Buffer.from(secret);
      this.addWindows(this.folded, bytes.toString('hex').toUpperCase());
      this.addWindows(this.folded, encodeBase32(secret));
      this.addWindows(this.exact, bytes.toString('base64'));
    }
    // Passwords and keys given on the command line: any occurrence at all.
    this.words = [...words];
  }

  private addWindows(into: Set<string>, encoded: string): void {
    for (let i = 0; i + WINDOW <= encoded.length; i++) into.add(encoded.slice(i, i + WINDOW));
  }

  /** The leaked fragment, or null. */
  leakIn(text: string): string | null {
    const upper = text.toUpperCase();
    for (let i = 0; i + WINDOW <= text.length; i++) {
      const window = text.slice(i, i + WINDOW);
      if (this.exact.has(window)) return window;
      if (this.folded.has(upper.slice(i, i + WINDOW))) return window;
    }
    for (const word of this.words) if (text.includes(word)) return word;
    return null;
  }
}
