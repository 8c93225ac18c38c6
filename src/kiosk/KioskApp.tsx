/**
 * The kiosk frame: header (desk, clock, inventory counts), body, footer with the keys that work.
 * The hand-out wizard, sign-in and self-check screens build on this frame.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { Inventory } from '../store/db.js';
import { countTokensByStatus } from '../store/tokenRepo.js';
import { countWaitingForExport } from '../services/batches.js';

export function KioskApp({ inventory, homeDir }: { inventory: Inventory | null; homeDir: string }) {
  const { exit } = useApp();
  const now = useClock();
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) exit();
  });
  return (
    <Box flexDirection="column">
      <Box borderStyle="single" paddingX={1} justifyContent="space-between">
        <Text bold>tokendesk{inventory ? ` · desk ${inventory.deskId}` : ''}</Text>
        <Text>kiosk clock {now.toISOString().slice(11, 19)} UTC</Text>
      </Box>
      <Box paddingX={1} paddingY={1} flexDirection="column">
        {inventory ? <Inventory inventory={inventory} /> : <Welcome homeDir={homeDir} />}
      </Box>
      <Box paddingX={1}>
        <Text dimColor>[q] quit</Text>
      </Box>
    </Box>
  );
}

function Inventory({ inventory }: { inventory: Inventory }) {
  const counts = countTokensByStatus(inventory);
  return (
    <Box flexDirection="column">
      <Text>In stock: {counts['in-stock']} · waiting for export: {countWaitingForExport(inventory)} · exported: {counts.exported}</Text>
      <Text> </Text>
      <Text>Hand out a token from the command line for now:</Text>
      <Text>  tokendesk assign --serial SERIAL --upn name@example.com --code 123456</Text>
    </Box>
  );
}

function Welcome({ homeDir }: { homeDir: string }) {
  return (
    <Box flexDirection="column">
      <Text bold>Welcome to tokendesk</Text>
      <Text>There is no inventory in {homeDir} yet. To start:</Text>
      <Text>  1. tokendesk init --home {homeDir}</Text>
      <Text>  2. tokendesk import SEEDFILE --home {homeDir}</Text>
    </Box>
  );
}

function useClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
