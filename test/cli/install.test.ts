/**
 * The CLI as users get it: `pnpm track` from their own folder while the CLI
 * is rebuilt, and the packed package installed with the machine's own npm
 * and Node 20.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli.ts';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const WRITERS = 10;
const RECORDS_EACH = 30;

/** Runs `command` again and again until `stop` resolves; returns how many runs failed and how many ran. */
function loop(command: string, args: readonly string[], stop: Promise<unknown>): Promise<{ runs: number; failures: string[] }> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  return (async () => {
    const failures: string[] = [];
    let runs = 0;
    while (!stopped) {
      const result = await runProcess(command, args, { cwd: CHECKOUT });
      runs += 1;
      if (result.code !== 0) failures.push(`${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
    }
    return { runs, failures };
  })();
}

describe('pnpm track', () => {
  it(`${WRITERS} writers x ${RECORDS_EACH} records from the user's folder while --help and a rebuild loop: every row, no failed call`, async () => {
    const project = mkdtempSync(join(tmpdir(), 'tl-pnpm-'));
    execFileSync('git', ['init', '-q', project]);
    const writers = Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        const failures: string[] = [];
        for (let index = 0; index < RECORDS_EACH; index += 1) {
          const result = await runProcess('pnpm', ['-s', '-C', CHECKOUT, 'track', 'record', '--tokens', String(index + 1), '--elapsed', '0.5', '--session', `writer-${writer}`, '--prompt', `w${writer} r${index}`], {
            cwd: project,
            env: { TOKEN_LEDGER_CSV: '' },
          });
          if (result.code !== 0) failures.push(`writer ${writer} record ${index}: exit ${result.code}: ${result.stderr}`);
        }
        return failures;
      }),
    );
    const done = writers.then(() => undefined);
    const [writerFailures, help, rebuild] = await Promise.all([writers, loop('pnpm', ['-s', 'track', '--help'], done), loop('pnpm', ['-s', 'build:cli'], done)]);
    expect(writerFailures.flat()).toEqual([]);
    expect(help.failures).toEqual([]);
    expect(rebuild.failures).toEqual([]);
    // The loops really ran alongside the writers.
    expect(rebuild.runs).toBeGreaterThan(1);
    expect(help.runs).toBeGreaterThan(1);
    // The rows are in the ledger of the folder the command was typed in, not the checkout's.
    const rows = parse(readFileSync(join(project, '.kiro', 'token_transactions.csv')), { columns: true }) as { prompt_text: string }[];
    expect(rows).toHaveLength(WRITERS * RECORDS_EACH);
    expect(new Set(rows.map((row) => row.prompt_text)).size).toBe(WRITERS * RECORDS_EACH);
    // Old builds are cleared once nothing can run from them; the current one is always whole.
    const current = readFileSync(join(CHECKOUT, 'build', 'cli-current'), 'utf8').trim();
    expect(existsSync(join(CHECKOUT, 'build', current, 'main.mjs'))).toBe(true);
    // 300 pnpm start-ups beside two loops: minutes on a loaded 2-core machine.
  }, 300_000);
});

/** The Node 20 this kind of machine starts with, and its npm. */
const NODE_20 = '/usr/bin/node';

describe('the packed package', () => {
  it('installs with Node 20\'s npm and runs as `token-ledger` from another folder: init, then the hook it wrote', async () => {
    const packDir = mkdtempSync(join(tmpdir(), 'tl-pack-'));
    execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: CHECKOUT, stdio: 'ignore' });
    const tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz')) ?? '');
    const prefix = mkdtempSync(join(tmpdir(), 'tl-prefix-'));
    const machinePath = `${dirname(NODE_20)}:/bin`;
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball], { env: { ...process.env, PATH: machinePath }, stdio: 'ignore' });
    const bin = join(prefix, 'bin');
    expect(existsSync(join(bin, 'token-ledger'))).toBe(true);
    const userPath = `${bin}:${machinePath}`;
    const version = await runProcess('token-ledger', ['--version'], { cwd: tmpdir(), env: { PATH: userPath } });
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(CHECKOUT, 'package.json'), 'utf8')).version}\n` });

    const project = mkdtempSync(join(tmpdir(), 'tl-installed-'));
    execFileSync('git', ['init', '-q', project]);
    expect((await runProcess('token-ledger', ['init', '--claude'], { cwd: project, env: { PATH: userPath } })).code).toBe(0);
    const settings = JSON.parse(readFileSync(join(project, '.claude', 'settings.json'), 'utf8')) as { hooks: { Stop: { hooks: { command: string }[] }[] } };
    const command = settings.hooks.Stop[0]?.hooks[0]?.command ?? '';
    // The written command names the installed bin and Node 20, not this checkout.
    expect(command).toContain(prefix);
    expect(command).not.toContain(CHECKOUT);
    const doctor = await runProcess('sh', ['-c', `token-ledger doctor --json`], { cwd: project, env: { PATH: userPath } });
    const checks = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string }[] }).checks;
    expect(checks.find((check) => check.check === 'hook call')).toMatchObject({ status: 'ok' });
    // A record from the installed bin lands in the project's own ledger.
    const record = await runProcess('sh', ['-c', 'token-ledger record --tokens 9 --elapsed 1 --prompt installed'], { cwd: project, env: { PATH: userPath } });
    expect(record.code).toBe(0);
    expect(readFileSync(join(project, '.kiro', 'token_transactions.csv'), 'utf8')).toMatch(/installed,9,/);
  }, 180_000);
});
