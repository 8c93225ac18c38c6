/**
 * The token lifecycle: one state machine for where a token is in the physical world. Every status
 * write in the store asks it first (TokenRepo.transition), and every refusal says what to do.
 *
 *   in-stock --hand-out--> assigned --export--> exported --upload--> uploaded
 *      ^   <----undo------'   ^  <--void-batch--'              |
 *      |                      '-----------upload---------------'
 *      |
 *      +--restock-- returned <--return-- assigned | exported | uploaded
 *      +--release-- quarantined <--quarantine-- in-stock | returned  (drift or lockout evidence)
 *   lost, broken  <--lose / break-- any state but lost, broken, retired
 *   retired       <--retire-- any state but retired
 *
 * Lost tokens never come back: nothing leads out of lost except retire.
 */

/** Same list as the schema's TOKEN_STATUSES (core cannot import the store; a test keeps them equal). */
export const LIFECYCLE_STATES = ['in-stock', 'assigned', 'exported', 'uploaded', 'returned', 'lost', 'broken', 'retired', 'quarantined'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** The states a token is handed out in: it has a live holder. */
export const HELD_STATES = ['assigned', 'exported', 'uploaded'] as const satisfies readonly LifecycleState[];
/** Held states in which the identity provider may know the token: ending them needs a removal. */
export const KNOWN_TO_IDP_STATES = ['exported', 'uploaded'] as const satisfies readonly LifecycleState[];

export const LIFECYCLE_EVENTS = [
  'hand-out',
  'undo',
  'export',
  'void-batch',
  'upload',
  'return',
  'lose',
  'break',
  'retire',
  'quarantine',
  'release',
  'restock',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

interface Transition {
  from: readonly LifecycleState[];
  to: LifecycleState;
}

const ALL_BUT = (...excluded: LifecycleState[]): LifecycleState[] => LIFECYCLE_STATES.filter((s) => !excluded.includes(s));

export const TRANSITIONS: Readonly<Record<LifecycleEvent, Transition>> = {
  'hand-out': { from: ['in-stock'], to: 'assigned' },
  undo: { from: ['assigned', 'exported'], to: 'in-stock' },
  export: { from: ['assigned'], to: 'exported' },
  'void-batch': { from: ['exported'], to: 'assigned' },
  upload: { from: ['assigned', 'exported'], to: 'uploaded' },
  return: { from: HELD_STATES, to: 'returned' },
  lose: { from: ALL_BUT('lost', 'broken', 'retired'), to: 'lost' },
  break: { from: ALL_BUT('lost', 'broken', 'retired'), to: 'broken' },
  retire: { from: ALL_BUT('retired'), to: 'retired' },
  quarantine: { from: ['in-stock', 'returned'], to: 'quarantined' },
  release: { from: ['quarantined'], to: 'in-stock' },
  restock: { from: ['returned'], to: 'in-stock' },
};

export type TransitionVerdict = { ok: true; from: LifecycleState; to: LifecycleState } | { ok: false; code: string; message: string };

/** Whether `event` may happen to a token in state `from`; when not, a message saying what to do. */
export function checkTransition(serial: string, from: LifecycleState, event: LifecycleEvent): TransitionVerdict {
  const transition = TRANSITIONS[event];
  if (transition.from.includes(from)) return { ok: true, from, to: transition.to };
  return { ok: false, code: refusalCode(from, event), message: `token ${serial} is ${describeState(from)}: ${advice(from, event)}` };
}

export function nextState(from: LifecycleState, event: LifecycleEvent): LifecycleState | null {
  const transition = TRANSITIONS[event];
  return transition.from.includes(from) ? transition.to : null;
}

/** A state in the desk's words, as it reads after "token X is ...". */
export function describeState(state: LifecycleState): string {
  switch (state) {
    case 'in-stock':
      return 'in stock';
    case 'assigned':
      return 'handed out (waiting for export)';
    case 'exported':
      return 'handed out and exported';
    case 'uploaded':
      return 'handed out and uploaded';
    case 'returned':
      return 'returned (not yet back in stock)';
    case 'quarantined':
      return 'quarantined';
    default:
      return state;
  }
}

function refusalCode(from: LifecycleState, event: LifecycleEvent): string {
  if (event === 'hand-out') {
    if ((HELD_STATES as readonly string[]).includes(from)) return 'already-assigned';
    if (from === 'quarantined') return 'quarantined';
    if (from === 'returned') return 'not-in-stock';
    return 'out-of-service';
  }
  if (from === 'lost' && (event === 'restock' || event === 'release')) return 'lost-never-reissued';
  return 'wrong-state';
}

/** What to do instead, for a refused (state, event) pair. */
function advice(from: LifecycleState, event: LifecycleEvent): string {
  const held = (HELD_STATES as readonly string[]).includes(from);
  switch (event) {
    case 'hand-out':
      if (held) return 'take another token from the box';
      if (from === 'returned') return 'an admin checks it first (`tokendesk tokens restock SERIAL`); take another token';
      if (from === 'quarantined') return 'put it aside and take another token; an admin decides (`tokendesk tokens release` or `retire`)';
      return 'it is out of service; put it aside and take another token';
    case 'undo':
      return held ? 'it was uploaded: record a return instead (`tokendesk tokens return SERIAL`)' : 'there is no hand-out to undo';
    case 'export':
    case 'upload':
    case 'void-batch':
      return 'only a hand-out waiting for export can go into a batch; nothing was changed';
    case 'return':
      if (from === 'returned') return 'its return is already recorded; an admin can put it back in stock (`tokendesk tokens restock SERIAL`)';
      if (from === 'lost') return 'it was reported lost; if it was found, an admin retires it (`tokendesk tokens retire SERIAL --reason found`)';
      return 'nobody holds it, so there is nothing to return';
    case 'lose':
    case 'break':
      return from === 'retired' ? 'it is retired already; nothing to record' : `it is already recorded as ${from}; nothing to record`;
    case 'retire':
      return 'it is retired already; nothing to do';
    case 'quarantine':
      if (from === 'quarantined') return 'it is quarantined already';
      return held ? 'it is with its holder: ask them to bring it back (record a return), then check it' : 'it is out of service already';
    case 'release':
      if (from === 'lost') return 'lost tokens are never handed out again; retire it if it was found';
      return 'only a quarantined token can be released';
    case 'restock':
      if (from === 'lost') return 'lost tokens are never handed out again; retire it if it was found';
      if (from === 'quarantined') return 'an admin releases it instead (`tokendesk tokens release SERIAL`)';
      if (held) return 'it is still handed out: record its return first (`tokendesk tokens return SERIAL`)';
      return from === 'in-stock' ? 'it is in stock already' : 'only a returned token can go back to stock';
  }
}

/** The audit action a transition is recorded under ("token-returned", "token-quarantined"...). */
export function auditActionOf(event: LifecycleEvent): string {
  const past: Record<LifecycleEvent, string> = {
    'hand-out': 'hand-out',
    undo: 'undo',
    export: 'token-exported',
    'void-batch': 'token-back-to-assigned',
    upload: 'token-uploaded',
    return: 'token-returned',
    lose: 'token-lost',
    break: 'token-broken',
    retire: 'token-retired',
    quarantine: 'token-quarantined',
    release: 'token-released',
    restock: 'token-restocked',
  };
  return past[event];
}
