import type { Unsubscribe } from './types.js';

/**
 * A typed list of listeners for one kind of event. Each source owns its own lists: no global state.
 *
 * A listener that throws must not look like a device failure to the code that emitted (node-hid
 * turns an exception in its data callback into an 'error' event, which would read as an unplug), so
 * the error is rethrown on a fresh task, where it surfaces as the kiosk's bug it is.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): Unsubscribe {
    // Wrap so the same function added twice gets two independent subscriptions.
    const entry = (value: T): void => listener(value);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        setImmediate(() => {
          throw error;
        });
      }
    }
  }
}

/** Keeps a source's current status and tells listeners only when it really changes. */
export class StatusCell<S> {
  #current: S;
  readonly #listeners = new Listeners<S>();

  constructor(initial: S) {
    this.#current = initial;
  }

  get(): S {
    return this.#current;
  }

  set(next: S): void {
    // Statuses are small plain objects: comparing their JSON is exact enough and keeps "said once".
    if (JSON.stringify(next) === JSON.stringify(this.#current)) return;
    this.#current = next;
    this.#listeners.emit(next);
  }

  onChange(listener: (status: S) => void): Unsubscribe {
    return this.#listeners.add(listener);
  }
}
