/** The signed-in home: one key per task. */
import { Box, Text } from 'ink';
import type { Actor } from '../../services/actor.js';
import { isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';

export type MenuChoice = 'hand-out' | 'today' | 'self-check' | 'imports' | 'batches' | 'return' | 'holders' | 'sign-out' | 'quit';

export const MENU_ITEMS: Array<{ key: string; choice: MenuChoice; label: string; admin?: boolean }> = [
  { key: 'h', choice: 'hand-out', label: 'Hand out a token' },
  { key: 't', choice: 'today', label: "Today's hand-outs (and undo)" },
  { key: 'c', choice: 'self-check', label: 'Employee self-check' },
  { key: 'r', choice: 'return', label: 'Return, lost or replace a token' },
  { key: 'w', choice: 'holders', label: 'Who holds what', admin: true },
  { key: 'i', choice: 'imports', label: 'Seed files: import a box', admin: true },
  { key: 'b', choice: 'batches', label: 'Batches: export, void, mark uploaded', admin: true },
  { key: 's', choice: 'sign-out', label: 'Sign out' },
  { key: 'q', choice: 'quit', label: 'Quit the kiosk' },
];

export function Menu({ actor, onChoose }: { actor: Actor; onChoose: (choice: MenuChoice) => void }) {
  useKeys((key) => {
    if (isKey(key, 'enter')) return onChoose('hand-out');
    const item = MENU_ITEMS.find((i) => isChar(key, i.key) && (!i.admin || actor.role === 'admin'));
    if (item) onChoose(item.choice);
  });
  return (
    <Box flexDirection="column">
      <Text bold>Hello {actor.name} ({actor.role}). What next?</Text>
      <Text> </Text>
      {MENU_ITEMS.filter((i) => !i.admin || actor.role === 'admin').map((i) => (
        <Text key={i.key}>
          {'  '}[{i.key}] {i.label}
          {i.choice === 'hand-out' ? '   (or Enter)' : ''}
        </Text>
      ))}
    </Box>
  );
}
