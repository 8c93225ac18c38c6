/**
 * Helpers for telling formats apart from a file's first bytes. Only looks; never throws.
 */

/** The head of a file as text: UTF-8, BOM dropped, a possibly cut last character tolerated. */
export function headText(head: Uint8Array): string {
  return new TextDecoder('utf-8').decode(head).replace(/^\uFEFF/, '');
}

/** The first lines of the head, without line ends; the last one may be cut short. */
export function headLines(head: Uint8Array, max = 50): string[] {
  return headText(head).split(/\r\n|\r|\n/, max);
}

/** Split a simple CSV line (no line breaks inside quotes) into trimmed cells, quotes removed. */
export function splitSimpleCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}
