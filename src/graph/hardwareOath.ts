/**
 * Typed calls for hardware OATH tokens in Entra, Graph beta. Each call cites its reference page;
 * paths are relative to the Graph URL (default https://graph.microsoft.com/beta).
 *
 * Lists come back in two shapes in the reference: the resource page says a collection of
 * devices, while the List examples wrap each as `{ "@odata.type": "#…hardwareOathAuthenticationMethod",
 * "id", "device": {…} }`. Both are read here, so whichever the tenant sends works.
 */
import type { GraphClient } from './client.js';
import { GraphRefusal } from './errors.js';
import {
  OATH_METHOD_TYPES,
  type AuthenticationMethodSummary,
  type DeviceStatus,
  type GraphUser,
  type HardwareOathDevice,
  type HardwareOathMethod,
  type HashFunction,
  type NewHardwareOathDevice,
} from './types.js';

const DEVICES = '/directory/authenticationMethodDevices/hardwareOathDevices';
const STATUSES: readonly DeviceStatus[] = ['available', 'assigned', 'activated', 'failedActivation'];

export class HardwareOathApi {
  constructor(readonly client: GraphClient) {}

  /**
   * GET /users/{id | userPrincipalName} (https://learn.microsoft.com/graph/api/user-get?view=graph-rest-beta).
   * A UPN that starts with "$" is addressed as /users('$…'), as that page says.
   */
  async getUser(upnOrId: string): Promise<GraphUser> {
    const { body } = await this.client.request<{ id?: unknown; userPrincipalName?: unknown; displayName?: unknown }>({
      method: 'GET',
      path: `/users${userKey(upnOrId)}`,
      query: { $select: 'id,userPrincipalName,displayName' },
      context: {
        action: `looking up ${upnOrId}`,
        notFound: `There is no account ${upnOrId} in the tenant: check the spelling given at the desk (or the roster), or whether the account was deleted`,
      },
    });
    if (!body || typeof body.id !== 'string') throw new GraphRefusal('unexpected', `Microsoft Graph answered without an id for ${upnOrId}`);
    return {
      id: body.id,
      userPrincipalName: typeof body.userPrincipalName === 'string' ? body.userPrincipalName : upnOrId,
      displayName: typeof body.displayName === 'string' ? body.displayName : null,
    };
  }

  /** GET /users/{id}/authentication/hardwareOathMethods (authentication-list-hardwareoathmethods). */
  async listUserHardwareOathMethods(userId: string): Promise<HardwareOathMethod[]> {
    const raw = await this.client.listAll<Record<string, unknown>>({
      path: `/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods`,
      context: { action: `listing the hardware tokens of user ${userId}`, notFound: `User ${userId} no longer exists in the tenant` },
    });
    return raw.map((item) => ({ id: stringOf(item['id']), device: item['device'] ? readDevice(item['device']) : null }));
  }

  /** GET /users/{id}/authentication/methods (authentication-list-methods): every method, for the limit of five. */
  async listUserMethods(userId: string): Promise<AuthenticationMethodSummary[]> {
    const raw = await this.client.listAll<Record<string, unknown>>({
      path: `/users/${encodeURIComponent(userId)}/authentication/methods`,
      context: { action: `listing the sign-in methods of user ${userId}`, notFound: `User ${userId} no longer exists in the tenant` },
    });
    return raw.map((item) => ({ id: stringOf(item['id']), odataType: stringOf(item['@odata.type']) }));
  }

  /** How many of a user's methods count against Entra's limit of five OATH tokens or authenticator apps. */
  async countOathMethods(userId: string): Promise<number> {
    const methods = await this.listUserMethods(userId);
    return methods.filter((m) => (OATH_METHOD_TYPES as readonly string[]).includes(m.odataType)).length;
  }

  /**
   * POST /directory/authenticationMethodDevices/hardwareOathDevices (authenticationmethoddevice-post-hardwareoathdevices):
   * 201 with the device; with `assignTo` it is created and assigned in one request.
   */
  async createDevice(device: NewHardwareOathDevice): Promise<HardwareOathDevice> {
    const { body } = await this.client.request<unknown>({
      method: 'POST',
      path: DEVICES,
      body: device,
      secrets: [device.secretKey],
      context: {
        action: `creating token ${device.serialNumber} in the tenant`,
        conflict: `Token ${device.serialNumber} already exists in the tenant`,
        notFound: device.assignTo ? `The account for token ${device.serialNumber} no longer exists in the tenant` : undefined,
        badRequest: `Microsoft Graph refused token ${device.serialNumber} as invalid: check that hardware OATH tokens are enabled in the tenant's Authentication methods policy and that the seed file's settings are right`,
      },
    });
    return readDevice(body);
  }

  /**
   * PATCH /directory/authenticationMethodDevices/hardwareOathDevices with `{"@context":"#$delta","value":[…]}`
   * (authenticationmethoddevice-update): many devices in one request; each gets "@contentId" 1..n.
   */
  async createDevices(devices: readonly NewHardwareOathDevice[]): Promise<HardwareOathDevice[]> {
    const { body } = await this.client.request<{ value?: unknown[] }>({
      method: 'PATCH',
      path: DEVICES,
      body: { '@context': '#$delta', value: devices.map((d, i) => ({ '@contentId': String(i + 1), ...d })) },
      secrets: devices.map((d) => d.secretKey),
      context: {
        action: `creating ${devices.length} tokens in the tenant`,
        conflict: 'One of the tokens already exists in the tenant',
        badRequest: 'Microsoft Graph refused the tokens as invalid: check that hardware OATH tokens are enabled in the Authentication methods policy',
      },
    });
    return (body?.value ?? []).map(readDevice);
  }

  /** GET …/hardwareOathDevices?$filter=serialNumber eq '…' (List hardwareOathDevices, example 3). */
  async findDevicesBySerial(serialNumber: string): Promise<HardwareOathDevice[]> {
    const raw = await this.client.listAll<unknown>({
      path: DEVICES,
      query: { $filter: `serialNumber eq '${serialNumber.replaceAll("'", "''")}'` },
      context: { action: `looking for token ${serialNumber} in the tenant` },
    });
    return raw.map(readDevice).filter((d) => d.serialNumber === serialNumber);
  }

  /** GET …/hardwareOathDevices/{id} (hardwareoathtokenauthenticationmethoddevice-get); null when gone. */
  async getDevice(deviceId: string): Promise<HardwareOathDevice | null> {
    try {
      const { body } = await this.client.request<unknown>({
        method: 'GET',
        path: `${DEVICES}/${encodeURIComponent(deviceId)}`,
        context: { action: `reading token ${deviceId}` },
      });
      return readDevice(body);
    } catch (error) {
      if (error instanceof GraphRefusal && error.kind === 'not-found') return null;
      throw error;
    }
  }

  /** Every token in the tenant with its holder (List hardwareOathDevices), all pages. */
  async listDevices(): Promise<HardwareOathDevice[]> {
    const raw = await this.client.listAll<unknown>({ path: DEVICES, context: { action: 'listing the tenant\'s hardware tokens' } });
    return raw.map(readDevice);
  }

  /** POST /users/{id}/authentication/hardwareOathMethods `{"device":{"id"}}` (authentication-post-hardwareoathmethods): assign without activating. */
  async assign(userId: string, deviceId: string, serialNumber: string): Promise<HardwareOathMethod> {
    const { body } = await this.client.request<Record<string, unknown>>({
      method: 'POST',
      path: `/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods`,
      body: { device: { id: deviceId } },
      context: {
        action: `assigning token ${serialNumber}`,
        conflict: `Token ${serialNumber} is already assigned`,
        notFound: `Token ${serialNumber} or its holder no longer exists in the tenant`,
      },
    });
    return { id: stringOf(body?.['id']) || deviceId, device: null };
  }

  /** POST /users/{id}/authentication/hardwareOathMethods/{methodId}/activate (hardwareoathauthenticationmethod-activate): 204. */
  async activate(userId: string, methodId: string, verificationCode: string, displayName: string | undefined, serialNumber: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods/${encodeURIComponent(methodId)}/activate`,
      body: displayName === undefined ? { verificationCode } : { verificationCode, displayName },
      secrets: [verificationCode],
      context: activationContext(serialNumber),
    });
  }

  /** POST …/hardwareOathMethods/assignAndActivate `{"device":{"id"},"verificationCode","displayName"}`: 204. */
  async assignAndActivate(userId: string, deviceId: string, verificationCode: string, displayName: string | undefined, serialNumber: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods/assignAndActivate`,
      body: { device: { id: deviceId }, verificationCode, ...(displayName === undefined ? {} : { displayName }) },
      secrets: [verificationCode],
      context: activationContext(serialNumber),
    });
  }

  /** POST …/hardwareOathMethods/assignAndActivateBySerialNumber `{"serialNumber","verificationCode","displayName"}`: 204. */
  async assignAndActivateBySerialNumber(userId: string, serialNumber: string, verificationCode: string, displayName?: string): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods/assignAndActivateBySerialNumber`,
      body: { serialNumber, verificationCode, ...(displayName === undefined ? {} : { displayName }) },
      secrets: [verificationCode],
      context: activationContext(serialNumber),
    });
  }

  /**
   * DELETE /users/{id}/authentication/hardwareOathMethods/{methodId} (authentication-delete-hardwareoathmethods):
   * unassign; the token goes back to the inventory. True when it was there, false when already gone.
   */
  async unassign(userId: string, methodId: string, serialNumber: string): Promise<boolean> {
    return this.#deleteIfThere(`/users/${encodeURIComponent(userId)}/authentication/hardwareOathMethods/${encodeURIComponent(methodId)}`, `unassigning token ${serialNumber}`);
  }

  /** DELETE …/hardwareOathDevices/{id} (authenticationmethoddevice-delete-hardwareoathdevices): the token must be unassigned first. */
  async deleteDevice(deviceId: string, serialNumber: string): Promise<boolean> {
    return this.#deleteIfThere(`${DEVICES}/${encodeURIComponent(deviceId)}`, `deleting token ${serialNumber} from the tenant`);
  }

  async #deleteIfThere(path: string, action: string): Promise<boolean> {
    try {
      await this.client.request({ method: 'DELETE', path, context: { action } });
      return true;
    } catch (error) {
      // A retried DELETE whose first try landed finds nothing: the goal is met.
      if (error instanceof GraphRefusal && error.kind === 'not-found') return false;
      throw error;
    }
  }
}

function activationContext(serialNumber: string) {
  return {
    action: `activating token ${serialNumber}`,
    badRequest: `Microsoft Graph did not accept the code for token ${serialNumber}: the token's clock may have drifted since the desk measured it, or its seed does not match`,
    notFound: `Token ${serialNumber} is no longer assigned to that person in the tenant`,
  };
}

function userKey(upnOrId: string): string {
  return upnOrId.startsWith('$') ? `('${encodeURIComponent(upnOrId.replaceAll("'", "''"))}')` : `/${encodeURIComponent(upnOrId)}`;
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** One device from either documented shape (bare, or wrapped in a method's `device`). */
export function readDevice(raw: unknown): HardwareOathDevice {
  const outer = (raw ?? {}) as Record<string, unknown>;
  const d = (outer['device'] && typeof outer['device'] === 'object' ? outer['device'] : outer) as Record<string, unknown>;
  const id = stringOf(d['id']) || stringOf(outer['id']);
  const serialNumber = stringOf(d['serialNumber']);
  if (!id || !serialNumber) throw new GraphRefusal('unexpected', 'Microsoft Graph described a hardware token without an id or serial number');
  const status = STATUSES.includes(d['status'] as DeviceStatus) ? (d['status'] as DeviceStatus) : 'available';
  const assigned = d['assignedTo'] as Record<string, unknown> | null | undefined;
  const hash = d['hashFunction'];
  const interval = d['timeIntervalInSeconds'];
  return {
    id,
    serialNumber,
    manufacturer: typeof d['manufacturer'] === 'string' ? d['manufacturer'] : null,
    model: typeof d['model'] === 'string' ? d['model'] : null,
    displayName: typeof d['displayName'] === 'string' ? d['displayName'] : null,
    timeIntervalInSeconds: typeof interval === 'number' ? interval : typeof interval === 'string' && /^\d+$/.test(interval) ? Number(interval) : null,
    hashFunction: hash === 'hmacsha1' || hash === 'hmacsha256' ? (hash as HashFunction) : null,
    status,
    assignedTo:
      assigned && typeof assigned === 'object' && typeof assigned['id'] === 'string'
        ? { id: assigned['id'], displayName: typeof assigned['displayName'] === 'string' ? assigned['displayName'] : null }
        : null,
  };
}
