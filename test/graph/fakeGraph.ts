/**
 * A stateful stand-in for Microsoft Graph (beta) and its login authority, on node:http at
 * 127.0.0.1. The tenant is never reachable from where tokendesk is built, so this implements,
 * from Microsoft's published reference, every endpoint the client uses, with documented shapes
 * and status codes (citations beside each route), plus what the reference leaves out and the
 * Entra guide says (a serial exists once; five OATH methods per user; activation checks the code
 * against the stored secret within a window of steps; a CSV-uploaded copy shows only on the user).
 *
 * Why this file is long: one tenant model and its routes belong together; the login authority
 * (fakeLogin.ts), faults (faults.ts) and body schemas (schemas.ts) live apart.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOTP, Secret } from 'otpauth';
import { FaultPlan, type FaultDecision } from './faults.js';
import { FakeLogin } from './fakeLogin.js';
import { REQUEST_SCHEMAS, violations, type RequestSchemaName } from './schemas.js';

export interface FakeUser {
  id: string;
  upn: string;
  displayName: string;
  /** Methods other than hardware OATH tokens: "#microsoft.graph.softwareOathAuthenticationMethod", … */
  otherMethods: Array<{ id: string; type: string }>;
}

export interface FakeDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  displayName: string | null;
  secretKey: string;
  timeIntervalInSeconds: number;
  hashFunction: 'hmacsha1' | 'hmacsha256';
  status: 'available' | 'assigned' | 'activated' | 'failedActivation';
  holderId: string | null;
  lastAcceptedStep: number | null;
}

/** A token the admin centre's CSV upload created: on the user only, not in the device inventory. */
export interface LegacyCopy {
  id: string;
  userId: string;
  serialNumber: string;
  status: 'assigned' | 'activated';
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  /** Headers without Authorization. */
  headers: Record<string, string>;
  body: string;
  status: number | 'cut';
}

export interface FakeGraphOptions {
  now?: () => number;
  /** Items per page before `@odata.nextLink` (default 100). */
  pageSize?: number;
  /** Lists as the reference's examples show them (each device wrapped in a method) or bare devices. */
  listShape?: 'wrapped' | 'flat';
  /** Steps either side of now an activation code may match (default 2). */
  activationWindowSteps?: number;
  /**
   * Refuse a second device with a serial already present (409), default true. Off, the tenant
   * takes duplicates and only the client's own look-ups keep it exactly-once.
   */
  uniqueSerials?: boolean;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type DenyArea = 'users' | 'devices' | 'userMethods';

const DEVICES = '/directory/authenticationMethodDevices/hardwareOathDevices';
const OATH_TYPES = ['#microsoft.graph.hardwareOathAuthenticationMethod', '#microsoft.graph.softwareOathAuthenticationMethod', '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod'];
const MAX_OATH = 5;

export class FakeGraph {
  readonly users = new Map<string, FakeUser>();
  readonly devices = new Map<string, FakeDevice>();
  readonly legacyCopies: LegacyCopy[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly faults = new FaultPlan();
  readonly login: FakeLogin;
  /** Bearer tokens Graph accepts, and ones it calls expired. */
  readonly validTokens = new Set<string>();
  readonly expiredTokens = new Set<string>();
  readonly denied = new Set<DenyArea>();
  /** Called as a Graph request arrives (before it is looked at) and after its answer went out: a test kills the client there. */
  onRequest: ((request: RecordedRequest, index: number) => void) | undefined;
  onAnswer: ((request: RecordedRequest, index: number) => void) | undefined;
  now: () => number;
  readonly #pageSize: number;
  readonly #listShape: 'wrapped' | 'flat';
  readonly #window: number;
  readonly #uniqueSerials: boolean;
  #server: Server | undefined;
  origin = '';

  constructor(options: FakeGraphOptions = {}) {
    this.now = options.now ?? Date.now;
    this.#pageSize = options.pageSize ?? 100;
    this.#listShape = options.listShape ?? 'wrapped';
    this.#window = options.activationWindowSteps ?? 2;
    this.#uniqueSerials = options.uniqueSerials ?? true;
    this.login = new FakeLogin(this);
  }

  /** The Graph URL to give the client (--graph-url). */
  get url(): string {
    return `${this.origin}/beta`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  issueToken(): string {
    const token = `graph-${randomUUID()}`;
    this.validTokens.add(token);
    return token;
  }

  addUser(upn: string, displayName = upn.split('@')[0]!, otherOathMethods = 0): FakeUser {
    const user: FakeUser = { id: randomUUID(), upn, displayName, otherMethods: [{ id: randomUUID(), type: '#microsoft.graph.passwordAuthenticationMethod' }] };
    for (let i = 0; i < otherOathMethods; i++) user.otherMethods.push({ id: randomUUID(), type: '#microsoft.graph.softwareOathAuthenticationMethod' });
    this.users.set(user.id, user);
    return user;
  }

  /** The account is deleted; tokens assigned to it keep pointing at its id. */
  deleteUser(id: string): void {
    this.users.delete(id);
  }

  /** A device put in by some other tool (or another desk). */
  addDevice(device: Partial<FakeDevice> & { serialNumber: string; secretKey: string }): FakeDevice {
    const full: FakeDevice = {
      id: randomUUID(), manufacturer: 'Token2', model: 'C202', displayName: null, timeIntervalInSeconds: 30, hashFunction: 'hmacsha1',
      status: device.holderId ? 'assigned' : 'available', holderId: null, lastAcceptedStep: null, ...device,
    };
    this.devices.set(full.id, full);
    return full;
  }

  addLegacyCopy(userId: string, serialNumber: string, status: LegacyCopy['status'] = 'activated'): LegacyCopy {
    const copy = { id: randomUUID(), userId, serialNumber, status };
    this.legacyCopies.push(copy);
    return copy;
  }

  devicesBySerial(serial: string): FakeDevice[] {
    return [...this.devices.values()].filter((d) => d.serialNumber === serial);
  }

  // -------------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'authorization').map(([k, v]) => [k, String(v)]));
    const record: RecordedRequest = { method, url: req.url ?? '/', headers, body, status: 'cut' };

    if (url.pathname.startsWith('/login/')) {
      const answer = this.login.handle(method, url, body);
      return send(res, answer);
    }
    this.requests.push(record);
    const index = this.requests.length;
    this.onRequest?.(record, index);
    const fault = url.pathname.startsWith('/beta/') ? this.faults.decide(method, url.pathname.slice('/beta'.length)) : null;
    if (fault?.kind === 'cut-before') {
      req.socket.destroy();
      return;
    }
    let answer: Answer;
    try {
      answer = this.#faultAnswer(fault) ?? this.#route(method, url, body, req.headers.authorization, fault);
    } catch (error) {
      answer = graphError(500, 'generalException', error instanceof Error ? error.message : String(error));
    }
    if (fault?.kind === 'cut-after') {
      req.socket.destroy();
      return;
    }
    record.status = answer.status;
    send(res, answer);
    this.onAnswer?.(record, index);
  }

  #faultAnswer(fault: FaultDecision | null): Answer | null {
    switch (fault?.kind) {
      case 'expired-token':
        return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
      case 'missing-role':
        return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      case 'throttle':
        return { ...graphError(429, 'activityLimitReached', 'Too many requests.'), headers: { 'retry-after': String(fault.retryAfterSeconds) } };
      case 'unavailable':
        return { ...graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.'), headers: { 'retry-after': String(fault.retryAfterSeconds) } };
      case 'server-error':
        return graphError(500, 'generalException', 'An unspecified error has occurred.');
      case 'bad-gateway':
        return graphError(502, 'generalException', 'Bad gateway.');
      case 'gateway-timeout':
        return graphError(504, 'generalException', 'Gateway timeout.');
      default:
        return null;
    }
  }

  #route(method: string, url: URL, text: string, authorization: string | undefined, fault: FaultDecision | null): Answer {
    const path = url.pathname.slice('/beta'.length);
    const auth = this.#checkToken(authorization);
    if (auth) return auth;

    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
      }
    }

    // Inventory: https://learn.microsoft.com/graph/api/resources/hardwareoathtokenauthenticationmethoddevice?view=graph-rest-beta
    if (path === DEVICES) {
      if (this.denied.has('devices')) return forbidden();
      if (method === 'GET') return this.#listDevices(url);
      if (method === 'POST') return this.#checked('createDevice', body) ?? this.#createDevice(body as NewDeviceBody);
      if (method === 'PATCH') return this.#checked('createDevices', body) ?? this.#createDevices(body as { value: Array<NewDeviceBody & { '@contentId': string }> });
      return methodNotAllowed();
    }
    const deviceMatch = path.match(/^\/directory\/authenticationMethodDevices\/hardwareOathDevices\/([^/]+)$/);
    if (deviceMatch) {
      if (this.denied.has('devices')) return forbidden();
      const device = this.devices.get(decodeURIComponent(deviceMatch[1]!));
      if (!device) return notFound('hardwareOathDevice');
      if (method === 'GET') return { status: 200, body: this.#deviceJson(device) };
      // authenticationmethoddevice-delete-hardwareoathdevices: "Token needs to be unassigned first."
      if (method === 'DELETE') {
        if (device.holderId) return graphError(400, 'invalidRequest', 'The hardware OATH token must be unassigned before it is deleted.');
        this.devices.delete(device.id);
        return { status: 204 };
      }
      return methodNotAllowed();
    }

    // Users: https://learn.microsoft.com/graph/api/user-get?view=graph-rest-beta
    const userMatch = path.match(/^\/users(?:\/([^/()]+)|\('([^']+)'\))(\/.*)?$/);
    if (!userMatch) return graphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
    const key = decodeURIComponent(userMatch[1] ?? userMatch[2]!);
    const rest = userMatch[3] ?? '';
    if (rest === '' && this.denied.has('users')) return forbidden();
    if (rest !== '' && this.denied.has('userMethods')) return forbidden();
    const user = this.#findUser(key);
    if (!user) return graphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
    if (rest === '' && method === 'GET') return { status: 200, body: { id: user.id, userPrincipalName: user.upn, displayName: user.displayName } };

    // authentication-list-methods
    if (rest === '/authentication/methods' && method === 'GET') {
      const items = [
        ...this.#hardwareMethodsOf(user).map((m) => ({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: m.id })),
        ...user.otherMethods.map((m) => ({ '@odata.type': m.type, id: m.id })),
      ];
      return this.#page(url, items);
    }
    const methods = '/authentication/hardwareOathMethods';
    if (rest === methods) {
      // authentication-list-hardwareoathmethods / authentication-post-hardwareoathmethods
      if (method === 'GET') return this.#page(url, this.#hardwareMethodsOf(user));
      if (method === 'POST') return this.#checked('assign', body) ?? this.#assign(user, (body as { device: { id: string } }).device.id);
      return methodNotAllowed();
    }
    if (rest === `${methods}/assignAndActivate` && method === 'POST') {
      const b = body as { device: { id: string }; verificationCode: string; displayName?: string };
      return this.#checked('assignAndActivate', body) ?? this.#assignAndActivate(user, this.devices.get(b.device.id), b.verificationCode, b.displayName, fault);
    }
    if (rest === `${methods}/assignAndActivateBySerialNumber` && method === 'POST') {
      const b = body as { serialNumber: string; verificationCode: string; displayName?: string };
      if (this.#checked('assignAndActivateBySerialNumber', body)) return this.#checked('assignAndActivateBySerialNumber', body)!;
      const [device] = this.devicesBySerial(b.serialNumber);
      return this.#assignAndActivate(user, device, b.verificationCode, b.displayName, fault);
    }
    const methodMatch = rest.match(/^\/authentication\/hardwareOathMethods\/([^/]+)(\/activate)?$/);
    if (methodMatch) {
      const methodId = decodeURIComponent(methodMatch[1]!);
      const device = this.devices.get(methodId);
      const legacy = this.legacyCopies.find((c) => c.id === methodId && c.userId === user.id);
      if (methodMatch[2] && method === 'POST') {
        if (this.#checked('activate', body)) return this.#checked('activate', body)!;
        if (!device || device.holderId !== user.id) return notFound('hardwareOathAuthenticationMethod');
        const b = body as { verificationCode: string; displayName?: string };
        return this.#activate(device, b.verificationCode, b.displayName, fault);
      }
      if (!methodMatch[2] && method === 'DELETE') {
        if (legacy) {
          this.legacyCopies.splice(this.legacyCopies.indexOf(legacy), 1);
          return { status: 204 };
        }
        if (!device || device.holderId !== user.id) return notFound('hardwareOathAuthenticationMethod');
        // authentication-delete-hardwareoathmethods: the token goes back to the inventory.
        Object.assign(device, { holderId: null, status: 'available', lastAcceptedStep: null });
        return { status: 204 };
      }
      if (!methodMatch[2] && method === 'GET') {
        if (!device || device.holderId !== user.id) return notFound('hardwareOathAuthenticationMethod');
        return { status: 200, body: this.#methodJson(device) };
      }
    }
    return graphError(400, 'BadRequest', `No route for ${method} ${path}`);
  }

  #checkToken(authorization: string | undefined): Answer | null {
    const token = authorization?.match(/^Bearer (.+)$/)?.[1];
    if (!token) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (this.expiredTokens.has(token)) return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    if (!this.validTokens.has(token)) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    return null;
  }

  /** Schema check; a violation is recorded and answered 400 as Graph would. */
  #checked(name: RequestSchemaName, body: unknown): Answer | null {
    const found = violations(REQUEST_SCHEMAS[name], body);
    if (found.length === 0) return null;
    this.violations.push(...found.map((v) => `${name}: ${v}`));
    return graphError(400, 'BadRequest', `Invalid request body: ${found.join('; ').replace(/[A-Z2-7]{16,}/g, '…')}`);
  }

  #findUser(key: string): FakeUser | undefined {
    const direct = this.users.get(key);
    if (direct) return direct;
    const lower = key.toLowerCase();
    return [...this.users.values()].find((u) => u.upn.toLowerCase() === lower);
  }

  #oathCount(user: FakeUser): number {
    return this.#hardwareMethodsOf(user).length + user.otherMethods.filter((m) => OATH_TYPES.includes(m.type)).length;
  }

  #hardwareMethodsOf(user: FakeUser): Array<Record<string, unknown>> {
    const mine = [...this.devices.values()].filter((d) => d.holderId === user.id).map((d) => this.#methodJson(d));
    const legacy = this.legacyCopies.filter((c) => c.userId === user.id).map((c) => ({
      '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod',
      id: c.id,
      device: { id: c.id, displayName: null, serialNumber: c.serialNumber, manufacturer: null, model: null, secretKey: null, timeIntervalInSeconds: 30, status: c.status, hashFunction: 'hmacsha1', assignedTo: { id: user.id, displayName: user.displayName } },
    }));
    return [...mine, ...legacy];
  }

  // authenticationmethoddevice-post-hardwareoathdevices: 201 and the device; assignTo assigns in the same request.
  #createDevice(body: NewDeviceBody): Answer {
    const problem = this.#createProblem(body);
    if (problem) return problem;
    return { status: 201, body: { '@odata.context': `${this.url}/$metadata#directory/authenticationMethodDevices/hardwareOathDevices/$entity`, ...this.#deviceJson(this.#insert(body)) } };
  }

  // authenticationmethoddevice-update: all or nothing here (the reference does not say); 201 with the list.
  #createDevices(body: { value: Array<NewDeviceBody & { '@contentId': string }> }): Answer {
    const serials = new Set<string>();
    for (const item of body.value) {
      const problem = this.#createProblem(item) ?? (serials.has(item.serialNumber) ? conflict(item.serialNumber) : null);
      if (problem) return problem;
      serials.add(item.serialNumber);
    }
    const created = body.value.map((item) => this.#insert(item));
    return { status: 201, body: { value: created.map((d) => this.#methodJson(d)) } };
  }

  #createProblem(body: NewDeviceBody): Answer | null {
    if (this.#uniqueSerials && this.devicesBySerial(body.serialNumber).length > 0) return conflict(body.serialNumber);
    if (body.assignTo) {
      const user = this.users.get(body.assignTo.id);
      if (!user) return notFound('user');
      if (this.#oathCount(user) >= MAX_OATH) return limitReached();
    }
    return null;
  }

  #insert(body: NewDeviceBody): FakeDevice {
    const device: FakeDevice = {
      id: randomUUID(),
      serialNumber: body.serialNumber,
      manufacturer: body.manufacturer,
      model: body.model,
      displayName: body.displayName ?? null,
      secretKey: body.secretKey,
      timeIntervalInSeconds: body.timeIntervalInSeconds,
      hashFunction: body.hashFunction ?? 'hmacsha1',
      status: body.assignTo ? 'assigned' : 'available',
      holderId: body.assignTo?.id ?? null,
      lastAcceptedStep: null,
    };
    this.devices.set(device.id, device);
    return device;
  }

  #assign(user: FakeUser, deviceId: string): Answer {
    const device = this.devices.get(deviceId);
    if (!device) return notFound('hardwareOathDevice');
    if (device.holderId) return graphError(409, 'conflict', 'The hardware OATH token is already assigned.');
    if (this.#oathCount(user) >= MAX_OATH) return limitReached();
    Object.assign(device, { holderId: user.id, status: 'assigned' });
    return { status: 201, body: { '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: device.id, createdDateTime: new Date(this.now()).toISOString() } };
  }

  #assignAndActivate(user: FakeUser, device: FakeDevice | undefined, code: string, displayName: string | undefined, fault: FaultDecision | null): Answer {
    if (!device) return notFound('hardwareOathDevice');
    if (device.holderId && device.holderId !== user.id) return graphError(409, 'conflict', 'The hardware OATH token is assigned to another user.');
    if (!device.holderId && this.#oathCount(user) >= MAX_OATH) return limitReached();
    const step = this.#matchingStep(device, code, fault);
    if (step === null) return invalidCode();
    Object.assign(device, { holderId: user.id, status: 'activated', lastAcceptedStep: step, displayName: displayName ?? device.displayName });
    return { status: 204 };
  }

  // hardwareoathauthenticationmethod-activate: 204; a wrong code leaves the token failedActivation.
  #activate(device: FakeDevice, code: string, displayName: string | undefined, fault: FaultDecision | null): Answer {
    const step = this.#matchingStep(device, code, fault);
    if (step === null) {
      if (device.status !== 'activated') device.status = 'failedActivation';
      return invalidCode();
    }
    Object.assign(device, { status: 'activated', lastAcceptedStep: step, displayName: displayName ?? device.displayName });
    return { status: 204 };
  }

  /** The step the code matches within the window, never one at or before the last accepted (a replay). */
  #matchingStep(device: FakeDevice, code: string, fault: FaultDecision | null): number | null {
    if (fault?.kind === 'invalid-code') return null;
    const secret = Secret.fromBase32(device.secretKey);
    const algorithm = device.hashFunction === 'hmacsha256' ? 'SHA256' : 'SHA1';
    const now = Math.floor(this.now() / 1000 / device.timeIntervalInSeconds);
    for (let offset = -this.#window; offset <= this.#window; offset++) {
      const step = now + offset;
      if (device.lastAcceptedStep !== null && step <= device.lastAcceptedStep) continue;
      if (HOTP.generate({ secret, algorithm, digits: 6, counter: step }) === code) return step;
    }
    return null;
  }

  // List hardwareOathDevices, with $filter on serialNumber or status (examples 2 and 3).
  #listDevices(url: URL): Answer {
    let devices = [...this.devices.values()];
    const filter = url.searchParams.get('$filter');
    if (filter !== null) {
      const match = filter.match(/^(serialNumber|status) eq '((?:[^']|'')*)'$/);
      if (!match) return graphError(400, 'BadRequest', `Invalid filter clause: ${filter}`);
      const value = match[2]!.replaceAll("''", "'");
      devices = devices.filter((d) => (match[1] === 'serialNumber' ? d.serialNumber === value : d.status === value));
    }
    return this.#page(url, devices.map((d) => (this.#listShape === 'wrapped' ? this.#methodJson(d) : this.#deviceJson(d))));
  }

  /** One page and, when more remain, `@odata.nextLink` (https://learn.microsoft.com/graph/paging). */
  #page(url: URL, items: unknown[]): Answer {
    const top = Math.min(Number(url.searchParams.get('$top') ?? this.#pageSize) || this.#pageSize, this.#pageSize);
    const skip = Number(url.searchParams.get('$skiptoken') ? Buffer.from(url.searchParams.get('$skiptoken')!, 'base64url').toString() : 0);
    const value = items.slice(skip, skip + top);
    const body: Record<string, unknown> = { '@odata.context': `${this.url}/$metadata#Collection`, value };
    if (skip + top < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
      body['@odata.nextLink'] = next.toString().replaceAll('+', '%20');
    }
    return { status: 200, body };
  }

  #deviceJson(device: FakeDevice): Record<string, unknown> {
    const holder = device.holderId ? this.users.get(device.holderId) : undefined;
    return {
      '@odata.type': '#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice',
      id: device.id,
      displayName: device.displayName,
      serialNumber: device.serialNumber,
      manufacturer: device.manufacturer,
      model: device.model,
      secretKey: null,
      timeIntervalInSeconds: device.timeIntervalInSeconds,
      status: device.status,
      lastUsedDateTime: null,
      hashFunction: device.hashFunction,
      assignedTo: device.holderId ? { id: device.holderId, displayName: holder?.displayName ?? null } : null,
    };
  }

  #methodJson(device: FakeDevice): Record<string, unknown> {
    const { '@odata.type': _type, ...inner } = this.#deviceJson(device);
    return { '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: device.id, device: inner };
  }
}

interface NewDeviceBody {
  serialNumber: string;
  manufacturer: string;
  model: string;
  secretKey: string;
  timeIntervalInSeconds: number;
  hashFunction?: 'hmacsha1' | 'hmacsha256';
  displayName?: string;
  assignTo?: { id: string };
}

/** The error body of https://learn.microsoft.com/graph/errors. */
export function graphError(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } } };
}

const notFound = (what: string) => graphError(404, 'Request_ResourceNotFound', `The ${what} was not found.`);
const forbidden = () => graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
const methodNotAllowed = () => graphError(405, 'Request_BadRequest', 'The HTTP method is not allowed on this resource.');
const conflict = (serial: string) => graphError(409, 'conflict', `A hardware OATH token with serial number ${serial} already exists.`);
const limitReached = () => graphError(400, 'invalidRequest', 'The user has reached the maximum number of OATH authentication methods.');
const invalidCode = () => graphError(400, 'invalidVerificationCode', 'The verification code is invalid.');

export function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...(answer.headers ?? {}) };
  if (answer.body !== undefined) headers['content-type'] = 'application/json';
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

export type { Answer };
