import { execFileSync, spawnSync } from 'node:child_process';

/** Debian's oathtool, an independent TOTP implementation used as an oracle when installed. */
export const oathtoolAvailable = spawnSync('oathtool', ['--version'], { stdio: 'ignore' }).status === 0;

export const oathtoolSkipReason = 'oathtool is not installed (apt-get install oathtool); .ci/run installs it';

if (!oathtoolAvailable) process.stderr.write(`skipping oathtool oracle tests: ${oathtoolSkipReason}\n`);

/** The TOTP codes oathtool prints for `count` steps starting at the step of `unixSeconds`. */
export function oathtoolTotp(opts: {
  secretHex: string;
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
  unixSeconds: number;
  count?: number;
}): string[] {
  const args = [
    `--totp=${opts.algorithm.toLowerCase()}`,
    '-d',
    String(opts.digits),
    '-s',
    String(opts.period),
    '-N',
    `@${opts.unixSeconds}`,
    '-w',
    String((opts.count ?? 1) - 1),
    opts.secretHex,
  ];
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim().split('\n');
}
