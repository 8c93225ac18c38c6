/**
 * A refused operation: something a person can act on. `code` is stable for scripts (--json),
 * `message` says what happened and what to do. Never put a secret or a code in either.
 */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** A command line that cannot be run as given (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
