import { useCallback, useRef, useState } from 'react';

/**
 * State whose latest value can be read at once by the next key handler, before React re-renders:
 * a scanner or a fast typist sends the next key (often Enter) before the screen has redrawn, and a
 * handler reading the rendered value would act on stale text.
 */
export function useSyncState<T>(initial: T | (() => T)): [T, (next: T | ((previous: T) => T)) => void, () => T] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback((next: T | ((previous: T) => T)) => {
    ref.current = typeof next === 'function' ? (next as (previous: T) => T)(ref.current) : next;
    setValue(ref.current);
  }, []);
  const get = useCallback(() => ref.current, []);
  return [value, set, get];
}
