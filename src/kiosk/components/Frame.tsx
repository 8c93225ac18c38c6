/** Header (desk, staff, clock, counts, scanner), body, footer with the keys that work here. */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { colourOf } from './theme.js';

export interface HeaderInfo {
  deskId: string;
  staff: string | null;
  clock: Date;
  counts: { inStock: number; handedOutToday: number; waitingForExport: number } | null;
  scanner: string;
  practice: boolean;
  /** "the kiosk clock looks N minutes off" (services/lifecycle/evidence.ts), shown under the counts. */
  clockWarning?: string | null;
  /** "quarantined 2 · returned 1": tokens waiting for an admin, added to the counts when there are any. */
  setAside?: string;
}

export function Frame({ header, footer, children, width, height }: { header: HeaderInfo; footer: string[]; children: ReactNode; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header info={header} width={width} />
      {/* A body taller than the terminal is cut at the bottom, never squeezed: squeezed lines
          overlap and lose letters (80x24). Header and footer never shrink. */}
      <Box flexDirection="column" flexGrow={1} flexShrink={1} paddingX={1} overflow="hidden">
        <Box flexDirection="column" flexShrink={0}>
          {children}
        </Box>
      </Box>
      <Footer keys={footer} width={width} />
    </Box>
  );
}

function Header({ info, width }: { info: HeaderInfo; width: number }) {
  const time = info.clock.toTimeString().slice(0, 8);
  const counts = info.counts
    ? `in stock ${info.counts.inStock} · today ${info.counts.handedOutToday} · to export ${info.counts.waitingForExport}${info.setAside ? ` · ${info.setAside}` : ''}`
    : '';
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Box justifyContent="space-between" paddingX={1}>
        <Text bold wrap="truncate">
          tokendesk · desk {info.deskId}
          {info.practice ? ' · PRACTICE' : ''}
          {info.staff ? ` · ${info.staff}` : ' · signed out'}
        </Text>
        <Text>clock {time}</Text>
      </Box>
      <Box justifyContent="space-between" paddingX={1}>
        <Box flexShrink={0} marginRight={2}>
          <Text color={colourOf('dim')}>{counts}</Text>
        </Box>
        <Box flexShrink={1}>
          <Text color={colourOf('dim')} wrap="truncate-end">
            {info.scanner}
          </Text>
        </Box>
      </Box>
      {info.clockWarning && (
        <Box paddingX={1}>
          <Text color={colourOf('warn')} wrap="truncate-end">
            ! {info.clockWarning}
          </Text>
        </Box>
      )}
      <Text color={colourOf('dim')}>{'─'.repeat(Math.max(0, width))}</Text>
    </Box>
  );
}

function Footer({ keys, width }: { keys: string[]; width: number }) {
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Text color={colourOf('dim')}>{'─'.repeat(Math.max(0, width))}</Text>
      <Box paddingX={1}>
        <Text wrap="truncate">{keys.join('   ')}</Text>
      </Box>
    </Box>
  );
}

export function Message({ tone, children }: { tone: 'ok' | 'bad' | 'warn' | 'info'; children: ReactNode }) {
  const mark = { ok: '✔', bad: '✘', warn: '!', info: '›' }[tone];
  return (
    <Text color={colourOf(tone)} wrap="wrap">
      {mark} {children}
    </Text>
  );
}
