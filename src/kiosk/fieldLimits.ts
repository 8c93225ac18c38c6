/**
 * How many characters each kiosk field takes; typing stops there. Each limit is the one the service
 * behind the field checks, named where it is defined; only the path and passphrase limits are the
 * kiosk's own (a paste must not grow a field without end).
 */
import { MAX_SERIAL_LENGTH } from '../core/identity.js';
import { MAX_CODE_DIGITS, MAX_PIN_LENGTH, MAX_STAFF_NAME_LENGTH, MAX_UPN_LENGTH, MAX_VOID_REASON_LENGTH } from '../services/deskRules.js';
import { UNDO_REASON_MAX } from '../services/deskTools.js';
import { MAX_DISPLAY_NAME_LENGTH } from '../services/handOut.js';

export const FIELD_LIMITS = {
  upn: MAX_UPN_LENGTH,
  serial: MAX_SERIAL_LENGTH,
  tokenName: MAX_DISPLAY_NAME_LENGTH,
  undoReason: UNDO_REASON_MAX,
  voidReason: MAX_VOID_REASON_LENGTH,
  staffName: MAX_STAFF_NAME_LENGTH,
  pin: MAX_PIN_LENGTH,
  code: MAX_CODE_DIGITS,
  path: 4096,
  passphrase: 1024,
} as const;
