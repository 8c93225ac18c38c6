/**
 * The keys a screen offers right now, for the footer: a screen names only the actions its state
 * allows (no "[v] void" under a batch that was uploaded), and the root draws them.
 */
import { createContext, useContext, useLayoutEffect } from 'react';

export const FooterKeysContext = createContext<((keys: string[] | null) => void) | null>(null);

/** Offers these keys while mounted; entries that are not strings are left out. */
export function useFooterKeys(keys: Array<string | false | null | undefined>): void {
  const set = useContext(FooterKeysContext);
  const shown = keys.filter((k): k is string => typeof k === 'string');
  const id = shown.join('\u0000');
  useLayoutEffect(() => {
    set?.(id === '' ? [] : id.split('\u0000'));
  }, [set, id]);
  useLayoutEffect(() => () => set?.(null), [set]);
}
