/**
 * Clock drift in the desk's words. Entra accepts a sign-in code within about one minute for 30 s
 * tokens and about two minutes for 60 s tokens; a token further off activates fine but then fails
 * every morning, so the kiosk refuses it and says why.
 */

/** Steps either side of now that Entra sign-in accepts (about 1 min at 30 s, 2 min at 60 s). */
export function signInToleranceSteps(_period: number): number {
  return 2;
}

export function signInToleranceSeconds(period: number): number {
  return signInToleranceSteps(period) * period;
}

/** "about 3 minutes fast", "about 40 seconds slow", "on time". */
export function describeOffset(offsetSteps: number, period: number): string {
  if (offsetSteps === 0) return 'on time';
  const seconds = Math.abs(offsetSteps) * period;
  const direction = offsetSteps > 0 ? 'fast' : 'slow';
  return `about ${humanDuration(seconds)} ${direction}`;
}

export function humanDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * Advice when a code matched outside the accept window, e.g. "this token's clock is about
 * 3 minutes fast; Entra sign-in allows about 1 minute: give the employee another token".
 */
export function driftAdvice(offsetSteps: number, period: number): string {
  const allowed = humanDuration(signInToleranceSeconds(period));
  if (Math.abs(offsetSteps) <= signInToleranceSteps(period)) {
    // Just outside the kiosk's window but inside Entra's: usually a code typed late or early.
    return (
      `that code is ${describeOffset(offsetSteps, period).replace(/ (fast|slow)$/, '')} ` +
      `${offsetSteps > 0 ? 'ahead of' : 'behind'} the kiosk clock: press the button for a fresh code and type it at once`
    );
  }
  return (
    `this token's clock is ${describeOffset(offsetSteps, period)}; ` +
    `Entra sign-in allows about ${allowed}: give the employee another token`
  );
}
