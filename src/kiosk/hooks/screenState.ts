/**
 * A screen's state as a reducer with a value that can be read at once: a scanner or a fast typist
 * sends the next key (often Enter) before React has redrawn, so a key handler must act on the state
 * the previous key left, not on the last rendered one. The state lives outside React (testable
 * without Ink); `useScreenState` renders it through useSyncExternalStore.
 */
import { useRef, useSyncExternalStore } from 'react';

export interface ScreenState<S, E> {
  get(): S;
  dispatch(event: E): void;
  subscribe(listener: () => void): () => void;
}

export function createScreenState<S, E>(reducer: (state: S, event: E) => S, initial: S): ScreenState<S, E> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(event) {
      const next = reducer(state, event);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** One instance per mounted screen, made on first render. */
export function useOnce<T>(make: () => T): T {
  const ref = useRef<{ value: T } | null>(null);
  if (ref.current === null) ref.current = { value: make() };
  return ref.current.value;
}

/** The current state, re-rendering on every change. */
export function useScreenState<S, E>(state: ScreenState<S, E>): S {
  return useSyncExternalStore(state.subscribe, state.get, state.get);
}

/** A reducer for one mounted screen: the rendered state, dispatch, and the state as it is right now. */
export function useScreenReducer<S, E>(reducer: (state: S, event: E) => S, initial: S | (() => S)): [S, (event: E) => void, () => S] {
  const box = useOnce(() => createScreenState(reducer, typeof initial === 'function' ? (initial as () => S)() : initial));
  return [useScreenState(box), box.dispatch, box.get];
}
