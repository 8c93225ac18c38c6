/**
 * Practice mode: a throw-away home in the temp folder with 20 practice tokens, a small roster and a
 * practice staff account. Its seeds are generated here and kept in memory, so the side panel can
 * show the live code of the token being handed out; nothing touches a real home, and the folder
 * is deleted when the kiosk quits.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBase32 } from '../core/secretCodec.js';
import { initHome, openInventory, type Inventory } from '../services/home.js';
import { importSeeds } from '../services/importSeeds.js';
import { importRoster } from '../services/roster.js';
import { addStaff } from '../services/staff.js';
import type { Actor } from '../services/actor.js';

export const PRACTICE_STAFF = { name: 'practice', pin: '1234' } as const;
export const PRACTICE_TOKENS = 20;

const PEOPLE = [
  ['ada.lovelace', 'Ada Lovelace'],
  ['alan.turing', 'Alan Turing'],
  ['grace.hopper', 'Grace Hopper'],
  ['edsger.dijkstra', 'Edsger Dijkstra'],
  ['barbara.liskov', 'Barbara Liskov'],
  ['donald.knuth', 'Donald Knuth'],
  ['margaret.hamilton', 'Margaret Hamilton'],
  ['ken.thompson', 'Ken Thompson'],
] as const;

export interface PracticeHome {
  dir: string;
  inventory: Inventory;
  /** serial -> seed, for the side panel only. */
  seeds: Map<string, Uint8Array>;
  close(): void;
}

export async function createPracticeHome(): Promise<PracticeHome> {
  const dir = mkdtempSync(join(tmpdir(), 'tokendesk-practice-'));
  const setup: Actor = { name: 'practice-setup', role: 'admin' };
  try {
    const home = join(dir, 'home');
    initHome(home, { deskId: 'practice' });
    const inventory = openInventory(home);
    const seeds = new Map<string, Uint8Array>();
    const rows = ['upn,serial number,secret key,time interval,manufacturer,model'];
    for (let i = 1; i <= PRACTICE_TOKENS; i++) {
      const serial = `99000000000${String(i).padStart(2, '0')}`;
      const seed = new Uint8Array(randomBytes(20));
      seeds.set(serial, seed);
      rows.push(`,${serial},${encodeBase32(seed)},30,Token2,C202`);
    }
    const seedFile = join(dir, 'practice-seeds.csv');
    writeFileSync(seedFile, `${rows.join('\n')}\n`, { mode: 0o600 });
    await importSeeds(inventory, { file: seedFile, actor: setup });
    rmSync(seedFile);

    const rosterFile = join(dir, 'practice-roster.csv');
    writeFileSync(
      rosterFile,
      ['upn,display name,employee id,badge', ...PEOPLE.map(([u, n], i) => `${u}@practice.example,${n},E${1001 + i},B${5001 + i}`)].join('\n') + '\n',
    );
    await importRoster(inventory, { file: rosterFile, actor: setup });
    addStaff(inventory, { name: PRACTICE_STAFF.name, role: 'admin', pin: PRACTICE_STAFF.pin, actor: setup });
    return {
      dir,
      inventory,
      seeds,
      close() {
        inventory.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
