/**
 * One list cursor for every list on the kiosk (today's hand-outs, batches, seed files, roster
 * suggestions): which row is picked, which rows are visible, and the keys that move it. The window
 * scrolls only when the cursor leaves it, and both clamp when the list shrinks or grows.
 */
import { useRef } from 'react';
import type { KioskKey } from '../input/keys.js';
import { createScreenState, useOnce, useScreenState } from './screenState.js';

export interface ListCursor {
  /** The picked row; 0 for an empty list. */
  index: number;
  /** The first visible row. */
  top: number;
}

export type CursorMove = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end';

export const CURSOR_START: ListCursor = { index: 0, top: 0 };

/** The cursor kept inside a list of `length` rows shown `page` at a time. */
export function clampCursor(cursor: ListCursor, length: number, page: number): ListCursor {
  const rows = Math.max(1, page);
  const index = Math.min(Math.max(0, cursor.index), Math.max(0, length - 1));
  let top = Math.min(Math.max(0, cursor.top), Math.max(0, length - rows));
  if (index < top) top = index;
  if (index >= top + rows) top = index - rows + 1;
  return index === cursor.index && top === cursor.top ? cursor : { index, top };
}

export function moveCursor(cursor: ListCursor, move: CursorMove, length: number, page: number): ListCursor {
  const { index } = clampCursor(cursor, length, page);
  const rows = Math.max(1, page);
  const target = {
    up: index - 1,
    down: index + 1,
    pageup: index - rows,
    pagedown: index + rows,
    home: 0,
    end: length - 1,
  }[move];
  return clampCursor({ index: target, top: cursor.top }, length, page);
}

/** The move a key asks for, if any. */
export function cursorMoveOf(key: KioskKey): CursorMove | null {
  if (key.kind !== 'key') return null;
  switch (key.name) {
    case 'up':
    case 'down':
    case 'pageup':
    case 'pagedown':
    case 'home':
    case 'end':
      return key.name;
    default:
      return null;
  }
}

export interface ListCursorHandle extends ListCursor {
  /** The rows to draw: [top, end). */
  end: number;
  /** The picked row as the next key handler must see it (before a redraw). */
  current(): number;
  /** Moves on up/down/page/home/end; true when the key was one of those. */
  key(key: KioskKey): boolean;
  reset(): void;
}

export function useListCursor(length: number, page: number): ListCursorHandle {
  const state = useOnce(() => createScreenState((_: ListCursor, next: ListCursor) => next, CURSOR_START));
  const size = useRef({ length, page });
  size.current = { length, page };
  const view = clampCursor(useScreenState(state), length, page);
  return {
    ...view,
    end: Math.min(length, view.top + Math.max(1, page)),
    current: () => clampCursor(state.get(), size.current.length, size.current.page).index,
    key(key) {
      const move = cursorMoveOf(key);
      if (!move) return false;
      state.dispatch(moveCursor(state.get(), move, size.current.length, size.current.page));
      return true;
    },
    reset: () => state.dispatch(CURSOR_START),
  };
}
