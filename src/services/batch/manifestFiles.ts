/**
 * Finding and reading the manifest that travels beside a batch file (on a USB stick, in a mail):
 * <file minus extension>.manifest.json, tokendesk-<that>.manifest.json, or any manifest in the
 * folder that names the file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { MANIFEST_SUFFIX, ManifestError, parseManifest, type Manifest } from '../../formats/index.js';

export function findManifest(path: string): string | null {
  const dir = dirname(path);
  const stem = basename(path, extname(path));
  for (const candidate of [join(dir, `${stem}${MANIFEST_SUFFIX}`), join(dir, `tokendesk-${stem}${MANIFEST_SUFFIX}`)]) {
    if (existsSync(candidate)) return candidate;
  }
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(MANIFEST_SUFFIX)) continue;
    const read = readManifestFile(join(dir, name));
    if ('manifest' in read && (read.manifest.file === basename(path) || ('encrypted' in read.manifest && read.manifest.encrypted?.file === basename(path)))) {
      return join(dir, name);
    }
  }
  return null;
}

/** The manifest, or why it is not one (in words, naming the field). */
export function readManifestFile(path: string): { manifest: Manifest } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
  try {
    return { manifest: parseManifest(text) };
  } catch (error) {
    if (error instanceof ManifestError) return { problem: error.message };
    throw error;
  }
}
