/**
 * USB HID Keyboard/Keypad usage ids (usage page 0x07) to characters, for a US layout: the layout
 * scanners use unless someone programmed them otherwise. Source: USB HID Usage Tables 1.4, section 10.
 */

/** [unshifted, shifted] */
type KeyCharacters = readonly [string, string];

const KEY_CHARACTERS: ReadonlyMap<number, KeyCharacters> = new Map<number, KeyCharacters>([
  ...letters(),
  // Top-row digits 1..9, 0 and their shifted symbols.
  [0x1e, ['1', '!']],
  [0x1f, ['2', '@']],
  [0x20, ['3', '#']],
  [0x21, ['4', '$']],
  [0x22, ['5', '%']],
  [0x23, ['6', '^']],
  [0x24, ['7', '&']],
  [0x25, ['8', '*']],
  [0x26, ['9', '(']],
  [0x27, ['0', ')']],
  [0x2c, [' ', ' ']],
  [0x2d, ['-', '_']],
  [0x2e, ['=', '+']],
  [0x2f, ['[', '{']],
  [0x30, [']', '}']],
  [0x31, ['\\', '|']],
  // "Non-US # and ~": a US host maps it to the backslash key (Linux hid-input does the same).
  [0x32, ['\\', '|']],
  [0x33, [';', ':']],
  [0x34, ["'", '"']],
  [0x35, ['`', '~']],
  [0x36, [',', '<']],
  [0x37, ['.', '>']],
  [0x38, ['/', '?']],
  // Keypad: scanners set to "keypad digits" send these; Num Lock state is not ours to know, and a
  // scanner means digits, so they always decode as digits.
  [0x54, ['/', '/']],
  [0x55, ['*', '*']],
  [0x56, ['-', '-']],
  [0x57, ['+', '+']],
  [0x59, ['1', '1']],
  [0x5a, ['2', '2']],
  [0x5b, ['3', '3']],
  [0x5c, ['4', '4']],
  [0x5d, ['5', '5']],
  [0x5e, ['6', '6']],
  [0x5f, ['7', '7']],
  [0x60, ['8', '8']],
  [0x61, ['9', '9']],
  [0x62, ['0', '0']],
  [0x63, ['.', '.']],
]);

function* letters(): Generator<[number, KeyCharacters]> {
  for (let i = 0; i < 26; i++) {
    const lower = String.fromCharCode(0x61 + i);
    yield [0x04 + i, [lower, lower.toUpperCase()]];
  }
}

/** Keys that end a scan: a scanner's suffix is normally Enter, sometimes Tab. */
export const KEY_ENTER = 0x28;
export const KEY_ESCAPE = 0x29;
export const KEY_TAB = 0x2b;
export const KEY_KEYPAD_ENTER = 0x58;

/** 0x01..0x03 are ErrorRollOver, POSTFail and ErrorUndefined: the report carries no real keys. */
export function isKeyboardErrorCode(usage: number): boolean {
  return usage >= 0x01 && usage <= 0x03;
}

export function isScanTerminatorKey(usage: number): boolean {
  return usage === KEY_ENTER || usage === KEY_TAB || usage === KEY_KEYPAD_ENTER;
}

/** Modifier byte bits (boot keyboard report, byte 0). */
export const MODIFIER_LEFT_CTRL = 0x01;
export const MODIFIER_LEFT_SHIFT = 0x02;
export const MODIFIER_LEFT_ALT = 0x04;
export const MODIFIER_LEFT_GUI = 0x08;
export const MODIFIER_RIGHT_CTRL = 0x10;
export const MODIFIER_RIGHT_SHIFT = 0x20;
export const MODIFIER_RIGHT_ALT = 0x40;
export const MODIFIER_RIGHT_GUI = 0x80;

const SHIFT = MODIFIER_LEFT_SHIFT | MODIFIER_RIGHT_SHIFT;
/** A key held with Ctrl, Alt or GUI is a command (a scanner's "Ctrl+J" suffix), not text. */
const COMMAND = MODIFIER_LEFT_CTRL | MODIFIER_RIGHT_CTRL | MODIFIER_LEFT_ALT | MODIFIER_RIGHT_ALT | MODIFIER_LEFT_GUI | MODIFIER_RIGHT_GUI;

/** The character a key produces with these modifiers, or undefined when it produces no text. */
export function characterForKey(usage: number, modifiers: number): string | undefined {
  if ((modifiers & COMMAND) !== 0) return undefined;
  const characters = KEY_CHARACTERS.get(usage);
  if (characters === undefined) return undefined;
  return (modifiers & SHIFT) !== 0 ? characters[1] : characters[0];
}

/** The reverse table, for tests, the replay format and benchmarks: the report bytes that type `char`. */
export function keyForCharacter(char: string): { usage: number; shift: boolean } | undefined {
  for (const [usage, [plain, shifted]] of KEY_CHARACTERS) {
    if (usage >= 0x54) break; // prefer the main block over the keypad
    if (plain === char) return { usage, shift: false };
    if (shifted === char && plain !== char) return { usage, shift: true };
  }
  return undefined;
}
