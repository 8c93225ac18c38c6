/**
 * Entra ID's CSV upload of OATH hardware tokens (admin centre: Protection > Authentication methods >
 * OATH tokens, "Upload"), as Microsoft documents it: the header is exactly
 * `upn,serial number,secret key,time interval,manufacturer,model`; every row has a UPN; the secret
 * is Base32 (A-Z, 2-7) of at most 128 characters; the time interval is 30 or 60; tokens are TOTP,
 * 6 digits, HMAC-SHA1 (the file has no hash column). The text is UTF-8 and may quote cells (RFC 4180).
 */
import { base32ToHex } from './targetRows.js';
import type { TargetToken } from './targetRows.js';

const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';

/** RFC 4180 records: quoted cells may hold commas, quotes ("") and line breaks. */
function records(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

export function readEntraCsv(bytes: Uint8Array): TargetToken[] {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new Error('Entra: the file starts with a BOM');
  const [header, ...rows] = records(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (header?.join(',') !== HEADER) throw new Error(`Entra: the header is not "${HEADER}"`);
  return rows.map((cells, i) => {
    if (cells.length !== 6) throw new Error(`Entra: row ${i + 2} has ${cells.length} cells`);
    const [upn, serial, secret, interval, manufacturer, model] = cells as [string, string, string, string, string, string];
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn)) throw new Error(`Entra: row ${i + 2} has no UPN`);
    if (serial === '') throw new Error(`Entra: row ${i + 2} has no serial number`);
    if (secret.length > 128) throw new Error(`Entra: row ${i + 2} has a secret over 128 characters`);
    const seedHex = base32ToHex(secret);
    if (seedHex === null) throw new Error(`Entra: row ${i + 2} has a secret that is not Base32`);
    if (interval !== '30' && interval !== '60') throw new Error(`Entra: row ${i + 2} has a time interval of ${interval}`);
    if (manufacturer === '' || model === '') throw new Error(`Entra: row ${i + 2} has no manufacturer or model`);
    return { serial, seedHex, algorithm: 'sha1', digits: 6, period: Number(interval), user: upn };
  });
}
