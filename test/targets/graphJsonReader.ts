/**
 * Microsoft Graph (beta), "Create one or more hardwareOathTokenAuthenticationMethodDevice objects":
 * PATCH /directory/authenticationMethodDevices/hardwareOathDevices with
 * {"@context": "#$delta", "value": [{"@contentId", "serialNumber", "manufacturer", "model",
 * "secretKey", "timeIntervalInSeconds", "hashFunction", ...}]}. The resource documents
 * serialNumber, manufacturer and model as required strings, secretKey as the Base32 secret,
 * timeIntervalInSeconds 30 or 60, hashFunction hmacsha1 or hmacsha256; tokens are 6-digit TOTP.
 * The user comes from the assignment step: POST /users/{upn}/authentication/hardwareOathMethods
 * with the device id, read here from the assignments tokendesk writes beside the body.
 */
import { base32ToHex } from './targetRows.js';
import type { TargetToken } from './targetRows.js';

const DEVICE_PROPERTIES = new Set(['@contentId', 'serialNumber', 'manufacturer', 'model', 'secretKey', 'timeIntervalInSeconds', 'hashFunction', 'displayName', 'assignTo']);

export interface GraphAssignment {
  serialNumber: string;
  upn: string;
}

/**
 * `assignments`: the upn per device. Today they are the file's "tokendesk" member; once they move
 * to the batch manifest, pass them in.
 */
export function readGraphJson(bytes: Uint8Array, assignments?: GraphAssignment[]): TargetToken[] {
  const body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  if (body['@context'] !== '#$delta' || !Array.isArray(body.value)) throw new Error('Graph: not a $delta body');
  const upnOf = new Map(
    (assignments ?? ((body.tokendesk as { assignments?: GraphAssignment[] } | undefined)?.assignments ?? [])).map((a) => [a.serialNumber, a.upn]),
  );
  const contentIds = new Set<string>();
  return (body.value as Array<Record<string, unknown>>).map((device, i) => {
    for (const key of Object.keys(device)) if (!DEVICE_PROPERTIES.has(key)) throw new Error(`Graph: device ${i} has the unknown property ${key}`);
    const contentId = device['@contentId'];
    if (typeof contentId !== 'string' || contentIds.has(contentId)) throw new Error(`Graph: device ${i} needs a unique @contentId`);
    contentIds.add(contentId);
    for (const key of ['serialNumber', 'manufacturer', 'model', 'secretKey'] as const) {
      if (typeof device[key] !== 'string' || device[key] === '') throw new Error(`Graph: device ${i} has no ${key}`);
    }
    const seedHex = base32ToHex(device.secretKey as string);
    if (seedHex === null) throw new Error(`Graph: device ${i} secretKey is not Base32`);
    const period = device.timeIntervalInSeconds;
    if (period !== 30 && period !== 60) throw new Error(`Graph: device ${i} timeIntervalInSeconds is ${String(period)}`);
    const hash = device.hashFunction;
    if (hash !== 'hmacsha1' && hash !== 'hmacsha256') throw new Error(`Graph: device ${i} hashFunction is ${String(hash)}`);
    const serial = device.serialNumber as string;
    const user = upnOf.get(serial);
    if (user === undefined) throw new Error(`Graph: no user to assign device ${serial} to`);
    return { serial, seedHex, algorithm: hash === 'hmacsha1' ? 'sha1' : 'sha256', digits: 6, period, user };
  });
}
