import type { Command } from 'commander';
import { describeOffset } from '../core/drift.js';
import { UsageError } from '../core/errors.js';
import { handOut } from '../services/handOut.js';
import { nextStepsAfterHandOut } from '../services/upload/nextSteps.js';
import { asStaff, out, printJson, withHome, withJson, withSignIn } from './shared.js';

export function registerAssign(program: Command): void {
  withSignIn(withJson(withHome(program.command('assign'))))
    .description('hand out a token without the screen: same verification, same rules as the kiosk')
    .requiredOption('--serial <serial>', 'the serial on the back of the token')
    .requiredOption('--upn <upn>', 'the employee, e.g. j.doe@example.com')
    .option('--name <name>', 'the token name the employee will see (default: manufacturer and model)')
    .requiredOption('--code <code>', 'the code the token shows now')
    .option('--confirm-preassigned', "hand out a token its seed file pre-assigned to somebody else")
    .option('--replaces <id>', 'this hand-out replaces hand-out ID (from `tokendesk tokens replace`)', (v) => Number.parseInt(v, 10))
    .action(async (options: { home?: string; json?: boolean; serial: string; upn: string; name?: string; code: string; replaces?: number; confirmPreassigned?: boolean }) => {
      if (options.replaces !== undefined && !(Number.isSafeInteger(options.replaces) && options.replaces > 0)) {
        throw new UsageError('--replaces takes the number of the hand-out being replaced (printed by `tokendesk tokens replace`)');
      }
      await asStaff(options, (inventory, actor) => {
        const result = handOut(inventory, {
          serial: options.serial,
          upn: options.upn,
          displayName: options.name,
          code: options.code,
          actor,
          ...(options.replaces !== undefined ? { replacesAssignmentId: options.replaces } : {}),
          ...(options.confirmPreassigned ? { confirmPreassigned: true } : {}),
        });
        const nextSteps = result.ok ? nextStepsAfterHandOut(inventory, result.serial, result.displayName) : null;
        if (options.json) {
          printJson(result.ok ? { ...result, nextSteps } : result);
          return result.ok ? 0 : 1;
        }
        if (!result.ok) {
          process.stderr.write(`tokendesk: refused: ${result.message}\n`);
          return 1;
        }
        out(`Token ${result.serial} handed out to ${result.upn} as "${result.displayName}" (clock ${describeOffset(result.offsetSteps, result.period)}).`);
        out('It is waiting for export: `tokendesk export`.');
        if (nextSteps) {
          out(`For the employee: ${nextSteps.headline}.`);
          for (const step of nextSteps.steps) out(`  - ${step}`);
        }
        return 0;
      });
    });
}
