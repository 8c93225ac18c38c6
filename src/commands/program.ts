/** The command tree. Each command lives in its own file; this only wires them together. */
import { Command } from 'commander';
import { registerAssign } from './assign.js';
import { registerAudit } from './audit.js';
import { registerBatch } from './batch.js';
import { registerDoctor } from './doctor.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerKey } from './key.js';
import { registerKiosk } from './kiosk.js';
import { registerRoster } from './roster.js';
import { registerScannerCommands } from './scanner.js';
import { registerStaff } from './staff.js';
import { registerTokens } from './tokens.js';

export function buildProgram(version: string): Command {
  const program = new Command('tokendesk')
    .description('A terminal kiosk for handing out hardware TOTP tokens in person')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerKiosk(program);
  registerInit(program);
  registerImport(program);
  registerTokens(program);
  registerAssign(program);
  registerExport(program);
  registerBatch(program);
  registerAudit(program);
  registerStaff(program);
  registerRoster(program);
  registerKey(program);
  registerScannerCommands(program);
  registerDoctor(program);
  return program;
}
