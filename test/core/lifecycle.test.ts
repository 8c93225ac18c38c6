import { describe, expect, it } from 'vitest';
import { checkTransition, LIFECYCLE_EVENTS, LIFECYCLE_STATES, nextState, TRANSITIONS, type LifecycleEvent, type LifecycleState } from '../../src/core/lifecycle.js';
import { TOKEN_STATUSES } from '../../src/store/schema.js';

/** The machine, written out by hand: a change to TRANSITIONS must change this table too. */
const ALLOWED: Record<LifecycleEvent, Partial<Record<LifecycleState, LifecycleState>>> = {
  'hand-out': { 'in-stock': 'assigned' },
  undo: { assigned: 'in-stock', exported: 'in-stock' },
  export: { assigned: 'exported' },
  'void-batch': { exported: 'assigned' },
  upload: { assigned: 'uploaded', exported: 'uploaded' },
  return: { assigned: 'returned', exported: 'returned', uploaded: 'returned' },
  lose: { 'in-stock': 'lost', assigned: 'lost', exported: 'lost', uploaded: 'lost', returned: 'lost', quarantined: 'lost' },
  break: { 'in-stock': 'broken', assigned: 'broken', exported: 'broken', uploaded: 'broken', returned: 'broken', quarantined: 'broken' },
  retire: {
    'in-stock': 'retired',
    assigned: 'retired',
    exported: 'retired',
    uploaded: 'retired',
    returned: 'retired',
    lost: 'retired',
    broken: 'retired',
    quarantined: 'retired',
  },
  quarantine: { 'in-stock': 'quarantined', returned: 'quarantined' },
  release: { quarantined: 'in-stock' },
  restock: { returned: 'in-stock' },
};

describe('token lifecycle', () => {
  it('has the same states as the schema', () => {
    expect([...LIFECYCLE_STATES]).toEqual([...TOKEN_STATUSES]);
  });

  const pairs = LIFECYCLE_EVENTS.flatMap((event) => LIFECYCLE_STATES.map((from) => [event, from] as const));

  it.each(pairs)('%s from %s: allowed exactly when the table says, refusals say what to do', (event, from) => {
    const expected = ALLOWED[event][from];
    const verdict = checkTransition('0042', from, event);
    if (expected) {
      expect(verdict).toEqual({ ok: true, from, to: expected });
      expect(nextState(from, event)).toBe(expected);
    } else {
      expect(verdict.ok).toBe(false);
      if (verdict.ok) return;
      expect(nextState(from, event)).toBeNull();
      expect(verdict.message).toMatch(/^token 0042 is /);
      // After the state, advice: a sentence beyond "token X is Y".
      expect(verdict.message.split(': ').slice(1).join(': ').length).toBeGreaterThan(10);
      expect(verdict.code).toMatch(/^[a-z-]+$/);
    }
  });

  it('never lets a lost token back into stock', () => {
    for (const event of LIFECYCLE_EVENTS) {
      const to = nextState('lost', event);
      expect(to === null || to === 'retired').toBe(true);
    }
    expect(checkTransition('7', 'lost', 'restock')).toMatchObject({ ok: false, code: 'lost-never-reissued' });
  });

  it('lists each event once', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...LIFECYCLE_EVENTS].sort());
  });
});
