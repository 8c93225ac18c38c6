import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskApp, type KioskSession } from '../../src/kiosk/KioskApp.js';
import { initHome, openInventory } from '../../src/store/db.js';
import { unlockHome } from '../../src/store/unlock.js';
import { tempDir } from '../support/home.js';

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
    const app = render(<KioskApp session={null} homeDir={home} unlock={unlock} wedge={false} size={{ columns: 100, rows: 30 }} />);
    cleanup.push(() => app.unmount());
    const waitFor = async (text: string) => {
      const start = Date.now();
      while (!(app.lastFrame() ?? '').includes(text)) {
        if (Date.now() - start > 5000) expect.fail(`no "${text}" on screen:\n${app.lastFrame()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const type = async (text: string) => {
      for (const ch of text) {
        app.stdin.write(ch);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await waitFor('This desk is locked');
    await type('wrong passphrase');
    expect(app.lastFrame()).not.toContain('wrong passphrase');
    app.stdin.write('\r');
    await waitFor('passphrase');
    await waitFor('wrong');
    expect(app.lastFrame()).toContain('This desk is locked');
    await type('correct horse battery');
    app.stdin.write('\r');
    await waitFor('desk locked-desk');
  });
});
