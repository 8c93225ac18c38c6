import type { Command } from 'commander';
import { Refusal, UsageError } from '../core/errors.js';
import type { Role } from '../services/actor.js';
import {
  addStaff,
  disableStaff,
  enableStaff,
  listStaff,
  pinProblem,
  staffNameProblem,
  unlockStaff,
  type StaffView,
} from '../services/staff.js';
import { askHidden, readStdinLine } from './prompts.js';
import { asAdmin, oneOf, out, printJson, withHome, withInventory, withJson, withSignIn, type SignInOptions } from './shared.js';

type StaffOptions = SignInOptions;

export function registerStaff(program: Command): void {
  const staff = program.command('staff').description('desk staff accounts: who may sign in at the kiosk, with which role');

  withSignIn(withJson(withHome(staff.command('add'))))
    .description('add a staff member; asks for the new PIN twice (--pin-stdin: one line) (the first account of a home must be an admin)')
    .argument('<name>', '1 to 32 letters, digits, dots, dashes or underscores')
    .requiredOption('--role <role>', 'staff (hand out, undo own) or admin (everything)')
    .action(async (name: string, options: StaffOptions & { role: string }) => {
      // While there is no admin, adding one is exactly what the bootstrap note would ask for.
      await asAdmin(options, async (inventory, actor) => {
        const role = oneOf<Role>(options.role, ['staff', 'admin'], '--role');
        // Say what is wrong with the name before anyone types a PIN twice.
        const nameProblem = staffNameProblem(name.trim());
        if (nameProblem) throw new Refusal('bad-staff-name', nameProblem);
        const existing = listStaff(inventory).find((s) => s.name.toLowerCase() === name.trim().toLowerCase());
        if (existing) throw new Refusal('staff-exists', `there is already a staff member called ${existing.name}; choose another name`);
        const pin = options.pinStdin ? await readStdinLine(`the new PIN of ${name.trim()}`) : await askNewPin(name.trim());
        const added = addStaff(inventory, { name, role, pin, actor });
        if (options.json) return printJson({ ok: true, staff: added });
        out(`Added ${added.name} (${added.role}). They can sign in at the kiosk with their name and PIN.`);
      }, { bootstrapNote: options.role !== 'admin' });
    });

  withJson(withHome(staff.command('list')))
    .description('list staff accounts (never shows a PIN)')
    .action(async (options: StaffOptions) => {
      await withInventory(options, (inventory) => {
        const rows = listStaff(inventory);
        if (options.json) return printJson({ ok: true, staff: rows });
        if (rows.length === 0) return out('No staff yet: add the first admin with `tokendesk staff add NAME --role admin`.');
        out(`${'NAME'.padEnd(32)} ${'ROLE'.padEnd(6)} ${'STATE'.padEnd(24)} CREATED`);
        for (const s of rows) out(`${s.name.padEnd(32)} ${s.role.padEnd(6)} ${stateText(s).padEnd(24)} ${s.createdAt.slice(0, 10)}`);
        out(`${rows.length} staff account(s)`);
      });
    });

  for (const [verb, description, act, done] of [
    ['disable', 'stop a staff member from signing in (the account stays for the record)', disableStaff, 'disabled'],
    ['enable', 'let a disabled staff member sign in again', enableStaff, 'enabled again'],
    ['unlock', 'lift a sign-in lock after too many wrong PINs', unlockStaff, 'unlocked'],
  ] as const) {
    withSignIn(withJson(withHome(staff.command(verb))))
      .description(`${description} (admin)`)
      .argument('<name>')
      .action(async (name: string, options: StaffOptions) => {
        await asAdmin(options, (inventory, actor) => {
          act(inventory, { name, actor });
          const view = listStaff(inventory).find((s) => s.name.toLowerCase() === name.trim().toLowerCase());
          if (options.json) return printJson({ ok: true, staff: view });
          out(`${view?.name ?? name} is ${done}.`);
        });
      });
  }
}

function stateText(s: StaffView): string {
  if (s.disabled) return 'disabled';
  if (s.lockedUntilMs !== null) return `locked until ${new Date(s.lockedUntilMs).toISOString().slice(11, 16)} UTC`;
  return 'active';
}

/** Asks for the new PIN twice on the terminal, with echo off. */
async function askNewPin(name: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UsageError('standard input is not a terminal, so the PIN cannot be asked for: pipe it in and add --pin-stdin');
  }
  const first = await askHidden(`PIN for ${name} (4 to 12 digits): `);
  const problem = pinProblem(first);
  if (problem) throw new Refusal('bad-pin-format', `${problem}; nothing was changed`);
  const second = await askHidden('The same PIN again: ');
  if (second !== first) throw new Refusal('pin-mismatch', 'the two PINs differ; nothing was changed');
  return first;
}
