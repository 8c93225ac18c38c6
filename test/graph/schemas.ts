/**
 * Every request body the client may send to Graph, with property names and types as Microsoft's
 * reference gives them (beta). The test Graph server checks each body against these and records
 * any violation; tests assert there are none. Unknown properties are violations too: a typo such
 * as "assignedTo" for "assignTo" would be silently ignored by a real tenant.
 *
 * Sources (learn.microsoft.com/graph/api/…?view=graph-rest-beta):
 * - authenticationmethoddevice-post-hardwareoathdevices: serialNumber, manufacturer, model,
 *   secretKey (String, required), timeIntervalInSeconds (Int32, 30 or 60, required), hashFunction
 *   (hmacsha1 | hmacsha256, optional), assignTo (identity, optional), displayName (String, optional).
 * - authenticationmethoddevice-update (bulk, PATCH): {"@context":"#$delta","value":[{"@contentId", …}]};
 *   the page's example writes timeIntervalInSeconds as "30" but its table says Int32: we hold to Int32.
 * - authentication-post-hardwareoathmethods: {"device":{"id"}}.
 * - hardwareoathauthenticationmethod-activate: verificationCode (String, 6 digits), displayName (String, optional).
 * - hardwareoathauthenticationmethod-assignandactivate: device {id}, verificationCode, displayName.
 * - hardwareoathauthenticationmethod-assignandactivatebyserialnumber: serialNumber, verificationCode, displayName.
 */

export type Schema =
  | { type: 'string'; pattern?: RegExp; enum?: readonly string[]; maxLength?: number }
  | { type: 'int32'; enum?: readonly number[] }
  | { type: 'object'; properties: Record<string, { schema: Schema; required: boolean }> }
  | { type: 'array'; items: Schema; maxItems?: number };

const str = (extra: Omit<Extract<Schema, { type: 'string' }>, 'type'> = {}): Schema => ({ type: 'string', ...extra });
const req = (schema: Schema) => ({ schema, required: true });
const opt = (schema: Schema) => ({ schema, required: false });

const identity: Schema = { type: 'object', properties: { id: req(str({ pattern: /^\S+$/ })) } };
const verificationCode = str({ pattern: /^\d{6}$/ });
const BASE32 = /^[A-Z2-7]+$/;

const deviceProperties = {
  serialNumber: req(str({ pattern: /^\S(.*\S)?$/ })),
  manufacturer: req(str()),
  model: req(str()),
  secretKey: req(str({ pattern: BASE32, maxLength: 128 })),
  timeIntervalInSeconds: req({ type: 'int32', enum: [30, 60] } as Schema),
  hashFunction: opt(str({ enum: ['hmacsha1', 'hmacsha256'] })),
  assignTo: opt(identity),
  displayName: opt(str()),
};

export const REQUEST_SCHEMAS = {
  createDevice: { type: 'object', properties: deviceProperties } as Schema,
  createDevices: {
    type: 'object',
    properties: {
      '@context': req(str({ enum: ['#$delta'] })),
      value: req({ type: 'array', items: { type: 'object', properties: { '@contentId': req(str()), ...deviceProperties } } }),
    },
  } as Schema,
  assign: { type: 'object', properties: { device: req(identity) } } as Schema,
  activate: { type: 'object', properties: { verificationCode: req(verificationCode), displayName: opt(str()) } } as Schema,
  assignAndActivate: {
    type: 'object',
    properties: { device: req(identity), verificationCode: req(verificationCode), displayName: opt(str()) },
  } as Schema,
  assignAndActivateBySerialNumber: {
    type: 'object',
    properties: { serialNumber: req(str()), verificationCode: req(verificationCode), displayName: opt(str()) },
  } as Schema,
} as const;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

/** Where a value breaks its schema, as "path: what", empty when it fits. */
export function violations(schema: Schema, value: unknown, path = '$'): string[] {
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected a string, got ${describe(value)}`];
      const out: string[] = [];
      if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: "${value.slice(0, 20)}" is not one of ${schema.enum.join(', ')}`);
      if (schema.pattern && !schema.pattern.test(value)) out.push(`${path}: does not match ${schema.pattern}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
      return out;
    }
    case 'int32': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) return [`${path}: expected an Int32, got ${describe(value)}`];
      return schema.enum && !schema.enum.includes(value) ? [`${path}: ${value} is not one of ${schema.enum.join(', ')}`] : [];
    }
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected an array, got ${describe(value)}`];
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return [`${path}: more than ${schema.maxItems} items`];
      return value.flatMap((item, i) => violations(schema.items, item, `${path}[${i}]`));
    }
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object, got ${describe(value)}`];
      const record = value as Record<string, unknown>;
      const out: string[] = [];
      for (const [name, { schema: inner, required }] of Object.entries(schema.properties)) {
        if (!(name in record)) {
          if (required) out.push(`${path}.${name}: required`);
          continue;
        }
        out.push(...violations(inner, record[name], `${path}.${name}`));
      }
      for (const name of Object.keys(record)) if (!(name in schema.properties)) out.push(`${path}.${name}: not a documented property`);
      return out;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
