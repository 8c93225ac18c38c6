/**
 * Rules for the two identifiers the desk types or scans: token serials and employee UPNs.
 */

/** Serials are opaque: trimmed, leading zeros kept, no check digit assumed. */
export function normaliseSerial(raw: string): string {
  return raw.trim();
}

export const MAX_SERIAL_LENGTH = 64;

/** Why a serial cannot be used, or null when it can. */
export function serialProblem(serial: string): string | null {
  if (serial.length === 0) return 'the serial is empty';
  if (serial.length > MAX_SERIAL_LENGTH) return `the serial is longer than ${MAX_SERIAL_LENGTH} characters`;
  // Printable ASCII without spaces covers every vendor's barcode we know of; control characters
  // usually mean a scanner suffix or a paste accident.
  if (!/^[\x21-\x7e]+$/.test(serial)) return 'the serial has spaces, control characters or non-ASCII characters';
  return null;
}

/** UPNs compare case-insensitively in Entra; we store them lower case. */
export function normaliseUpn(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Entra's limit of OATH hardware tokens per user. */
export const MAX_TOKENS_PER_USER = 5;

/** Why a UPN is not shaped like one (name@domain.tld), or null when it is. */
export function upnProblem(upn: string): string | null {
  if (upn.length === 0) return 'the UPN is empty';
  if (upn.length > 113) return 'the UPN is longer than 113 characters';
  const at = upn.lastIndexOf('@');
  if (at <= 0 || upn.indexOf('@') !== at) return 'a UPN looks like name@example.com';
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  if (local.length > 64) return 'the part before @ is longer than 64 characters';
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{}|~.]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return 'the part before @ has characters a UPN cannot have';
  }
  if (!/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/.test(domain)) {
    return 'the part after @ is not a domain such as example.com';
  }
  return null;
}

/** j.doe@example.com -> j***@example.com, for screens an employee sees without staff. */
export function maskUpn(upn: string): string {
  const at = upn.indexOf('@');
  if (at <= 0) return '***';
  return `${upn[0]}***${upn.slice(at)}`;
}
