import type { Command } from 'commander';

export function registerRoster(program: Command): void {
  void program;
}
