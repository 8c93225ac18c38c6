import { describe, expect, it } from 'vitest';
import { employeeNextSteps, nextStepsAfterHandOut } from '../../../src/services/upload/nextSteps.js';
import { NOW, uploadDesk } from './deskSupport.js';

describe("the employee's next step, in Microsoft's words", () => {
  it('self-service: add it at My Security Info with the serial, the name and a live code', () => {
    const next = employeeNextSteps({ route: 'self-service', serial: '0070000000042', tokenName: 'Work token' });
    const text = next.steps.join('\n');
    expect(next.headline).toMatch(/yourself/);
    expect(text).toMatch(/Security info > Add sign-in method > Hardware token/);
    expect(text).toContain('0070000000042');
    expect(text).toContain('Work token');
    expect(text).toMatch(/code the token shows now/);
    expect(text).toMatch(/"Use a verification code"/);
  });

  it('the desk activates: how to sign in with it and make it the default', () => {
    const next = employeeNextSteps({ route: 'desk-activates', serial: '0070000000042', tokenName: 'Work token' });
    const text = next.steps.join('\n');
    expect(next.headline).toMatch(/once the desk has uploaded it/);
    expect(text).not.toMatch(/Add sign-in method/);
    expect(text).toMatch(/"Use a verification code"/);
    expect(text).toMatch(/Default sign-in method > Change > "Authenticator app or hardware token - code"/);
    expect(text).toContain('"Work token"');
  });
});

describe('next steps after a hand-out follow what the desk did with the token', () => {
  it('nothing for a desk that never used Graph; self-service once staged; the desk activates otherwise', async () => {
    const { inventory, tokens } = await uploadDesk({ count: 3, handedOut: 2 });
    const first = tokens[0]!;
    const second = tokens[1]!;
    expect(nextStepsAfterHandOut(inventory, first.serial, 'Token 0')).toBeNull();

    const at = new Date(NOW).toISOString();
    inventory.store.graphUploads.save({ tenant: 't', serial: first.serial, assignmentId: null, batchId: null, stage: 'staged', userId: null, deviceId: 'd1', failureCode: null, failureReason: null, calls: 1, updatedAt: at });
    expect(nextStepsAfterHandOut(inventory, first.serial, 'Token 0')?.headline).toMatch(/yourself/);
    expect(nextStepsAfterHandOut(inventory, second.serial, 'Token 1')?.headline).toMatch(/once the desk has uploaded it/);
    inventory.close();
  });
});
