import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KioskSession } from '../../src/kiosk/KioskApp.js';
import { initHome, openInventory, unlockHome } from '../../src/services/home.js';
import { tempDir } from '../support/home.js';
import { driveKiosk, type Driver } from './harness.js';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

describe('kiosk: passphrase mode', () => {
  it('stays locked until an admin types the passphrase, and says so on a wrong one', async () => {
    const home = join(tempDir(), 'home');
    initHome(home, { deskId: 'locked-desk', passphrase: 'correct horse battery', scrypt: { N: 1024, r: 8, p: 1 } });
    const unlock = async (passphrase: string): Promise<KioskSession> => {
      const key = await unlockHome(home, passphrase, { sleep: async () => undefined, actor: 'kiosk' });
      const inventory = openInventory(home, { key });
      cleanup.push(() => inventory.close());
      return { inventory, homeDir: home, practice: null };
    };
    const app: Driver = driveKiosk({ session: null, homeDir: home, unlock, wedge: false, size: { columns: 100, rows: 30 } });
    cleanup.push(() => app.unmount());
    await app.waitFor('This desk is locked');
    await app.type('wrong passphrase');
    // Sixteen dots: the field took every key and shows none of them.
    await app.waitFor(`Passphrase   ${'•'.repeat(16)}`);
    expect(app.frame()).not.toContain('wrong passphrase');
    await app.press('enter');
    await app.waitFor(`that passphrase does not unlock the home ${home}; nothing was changed`, 5000);
    expect(app.frame()).toContain('This desk is locked');
    await app.type('correct horse battery');
    await app.press('enter');
    await app.waitFor('desk locked-desk', 5000);
  });
});
