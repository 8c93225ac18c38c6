/**
 * Microsoft Graph (beta) shapes that tokendesk reads and writes, named as Graph names them.
 * Written from the published reference:
 * - hardwareOathTokenAuthenticationMethodDevice resource:
 *   https://learn.microsoft.com/graph/api/resources/hardwareoathtokenauthenticationmethoddevice?view=graph-rest-beta
 * - hardwareOathAuthenticationMethod resource:
 *   https://learn.microsoft.com/graph/api/resources/hardwareoathauthenticationmethod?view=graph-rest-beta
 * - error body: https://learn.microsoft.com/graph/errors
 */

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/beta';
export const DEFAULT_LOGIN_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export type HashFunction = 'hmacsha1' | 'hmacsha256';

/** hardwareOathTokenStatus. */
export type DeviceStatus = 'available' | 'assigned' | 'activated' | 'failedActivation';

/** Graph's `identity`: who a device is assigned to. */
export interface AssignedTo {
  id: string;
  displayName?: string | null;
}

/** A hardware OATH token in the tenant's inventory. Graph never returns the secret (secretKey is null). */
export interface HardwareOathDevice {
  id: string;
  serialNumber: string;
  manufacturer: string | null;
  model: string | null;
  displayName: string | null;
  timeIntervalInSeconds: number | null;
  hashFunction: HashFunction | null;
  status: DeviceStatus;
  assignedTo: AssignedTo | null;
}

/** A user's hardware OATH method; per the Entra guide its id is the device id. */
export interface HardwareOathMethod {
  id: string;
  device: HardwareOathDevice | null;
}

/** Any authentication method of a user, for counting against the limit of five OATH methods. */
export interface AuthenticationMethodSummary {
  id: string;
  odataType: string;
}

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** The body of a device create: POST (single) or one element of the PATCH #$delta value (bulk). */
export interface NewHardwareOathDevice {
  serialNumber: string;
  manufacturer: string;
  model: string;
  /** Base32, as vendors deliver it. Travels only in this body. */
  secretKey: string;
  timeIntervalInSeconds: 30 | 60;
  hashFunction: HashFunction;
  displayName?: string;
  /** Create and assign in one request. */
  assignTo?: { id: string };
}

/** OData types of methods that count against Entra's limit of five OATH tokens or authenticator apps. */
export const OATH_METHOD_TYPES = [
  '#microsoft.graph.hardwareOathAuthenticationMethod',
  '#microsoft.graph.softwareOathAuthenticationMethod',
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
] as const;

/** "Users may have a combination of up to five OATH hardware tokens or authenticator applications" (Entra OATH tokens guide). */
export const MAX_OATH_METHODS_PER_USER = 5;
