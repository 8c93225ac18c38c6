import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { clampCursor, CURSOR_START, moveCursor, useListCursor, type CursorMove } from '../../src/kiosk/hooks/useListCursor.js';
import { KeyRouter, useKeys } from '../../src/kiosk/input/KeyRouter.js';
import { tick } from './harness.js';

const walk = (length: number, page: number, moves: CursorMove[]) => moves.reduce((c, m) => moveCursor(c, m, length, page), CURSOR_START);

describe('list cursor', () => {
  it('scrolls the window only when the cursor leaves it', () => {
    expect(walk(10, 3, ['down', 'down'])).toEqual({ index: 2, top: 0 });
    expect(walk(10, 3, ['down', 'down', 'down'])).toEqual({ index: 3, top: 1 });
    // Back up inside the window: it stays where it is.
    expect(walk(10, 3, ['down', 'down', 'down', 'up'])).toEqual({ index: 2, top: 1 });
    expect(walk(10, 3, ['down', 'down', 'down', 'up', 'up', 'up'])).toEqual({ index: 0, top: 0 });
  });

  it('pages, jumps to the ends, and stops at them', () => {
    expect(walk(10, 3, ['pagedown'])).toEqual({ index: 3, top: 1 });
    expect(walk(10, 3, ['end'])).toEqual({ index: 9, top: 7 });
    expect(walk(10, 3, ['end', 'down', 'pagedown'])).toEqual({ index: 9, top: 7 });
    expect(walk(10, 3, ['end', 'home'])).toEqual({ index: 0, top: 0 });
    expect(walk(10, 3, ['up', 'pageup'])).toEqual({ index: 0, top: 0 });
    expect(walk(0, 3, ['down', 'end'])).toEqual({ index: 0, top: 0 });
  });

  it('clamps when the list shrinks, keeping the window full', () => {
    expect(clampCursor({ index: 9, top: 7 }, 4, 3)).toEqual({ index: 3, top: 1 });
    expect(clampCursor({ index: 9, top: 7 }, 0, 3)).toEqual({ index: 0, top: 0 });
    expect(clampCursor({ index: 2, top: 1 }, 10, 3)).toEqual({ index: 2, top: 1 });
  });

  it('as a hook: draws the visible rows and follows a list that shrinks under it', async () => {
    function List({ items }: { items: string[] }) {
      const cursor = useListCursor(items.length, 3);
      useKeys((key) => void cursor.key(key));
      return (
        <Box flexDirection="column">
          {items.slice(cursor.top, cursor.end).map((item, i) => (
            <Text key={item}>{`${cursor.top + i === cursor.index ? '>' : ' '} ${item}`}</Text>
          ))}
        </Box>
      );
    }
    const items = Array.from({ length: 8 }, (_, i) => `row ${i}`);
    const app = render(
      <KeyRouter>
        <List items={items} />
      </KeyRouter>,
    );
    try {
      await tick();
      app.stdin.write('\u001b[B');
      app.stdin.write('\u001b[B');
      app.stdin.write('\u001b[B');
      const lines = async (expected: string) => {
        for (let i = 0; i < 100 && app.lastFrame() !== expected; i++) await tick();
        return app.lastFrame();
      };
      expect(await lines('  row 1\n  row 2\n> row 3')).toBe('  row 1\n  row 2\n> row 3');
      app.rerender(
        <KeyRouter>
          <List items={items.slice(0, 2)} />
        </KeyRouter>,
      );
      expect(await lines('  row 0\n> row 1')).toBe('  row 0\n> row 1');
    } finally {
      app.unmount();
    }
  });
});
