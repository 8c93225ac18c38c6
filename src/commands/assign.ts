import type { Command } from 'commander';
import { describeOffset } from '../core/drift.js';
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
    .action(async (options: { home?: string; json?: boolean; serial: string; upn: string; name?: string; code: string }) => {
      await asStaff(options, (inventory, actor) => {
        const result = handOut(inventory, {
          serial: options.serial,
          upn: options.upn,
          displayName: options.name,
          code: options.code,
          actor,
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
