#!/usr/bin/env node
/**
 * `npm start`: build only if the sources changed (scripts/build.mjs), then run the CLI in this same
 * process, so a start costs one Node start, not three (npm, tsc, the CLI).
 */
import { build } from './build.mjs';

build();
await import('../dist/src/cli.js');
