import { describe, expect, it } from 'vitest';
import { employeeNextSteps } from '../../../src/services/upload/nextSteps.js';

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
