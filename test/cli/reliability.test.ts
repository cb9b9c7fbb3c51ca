/** The acceptance of issue 6 through the built CLI: faults, spool, flush, strict mode, maintenance commands, privacy on disk. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from '../helpers/cli.ts';

let root: string;
let env: NodeJS.ProcessEnv;
const ledger = () => join(root, '.kiro', 'token_transactions.csv');

beforeEach(() => {
  root = tempWorkspace('tl-rel-');
  mkdirSync(join(root, '.git'));
  env = { XDG_CACHE_HOME: join(root, 'cache') };
});

function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const record = (args: string[]) => runCli(['record', '--tokens', '5', '--elapsed', '0.5', ...args], { cwd: root, env });

describe('faults (CLI)', () => {
  it('record --csv /dev/full exits 0 with one stderr line; --strict exits 1', async () => {
    const result = await record(['--csv', '/dev/full']);
    expect(result.code).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/ENOSPC.*saved to the spool .*token-ledger\/spool/);
    expect((await record(['--csv', '/dev/full', '--strict'])).code).toBe(1);
    expect(filesUnder(join(root, 'cache')).filter((file) => file.endsWith('.json'))).toHaveLength(2);
  });

  it('a file where .kiro/ should be: spooled in XDG_CACHE_HOME; once fixed, flush replays it exactly once', async () => {
    writeFileSync(join(root, '.kiro'), 'a file, not a folder');
    const result = await record(['--session', 'spooled']);
    expect(result.code).toBe(0);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(join(root, 'cache', 'token-ledger', 'spool'));
    const id = result.stdout.trim();
    rmSync(join(root, '.kiro'));
    const flush = await runCli(['flush', '--csv', ledger(), '--json'], { cwd: root, env });
    expect(flush.code).toBe(0);
    expect(JSON.parse(flush.stdout)).toMatchObject({ replayed: 1 });
    const again = await runCli(['flush', '--csv', ledger(), '--json'], { cwd: root, env });
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: 0 });
    expect(readFileSync(ledger(), 'utf8').split(id)).toHaveLength(2);
    expect((await runCli(['validate'], { cwd: root, env })).code).toBe(0);
  });

  it('the next record replays the spool by itself', async () => {
    writeFileSync(join(root, '.kiro'), 'file');
    const spooled = (await record([])).stdout.trim();
    rmSync(join(root, '.kiro'));
    const next = await record([]);
    expect(next.stderr).toBe('');
    const text = readFileSync(ledger(), 'utf8');
    expect(text.split(spooled)).toHaveLength(2);
    expect(text).toContain(next.stdout.trim());
    const doctor = await runCli(['doctor', '--json'], { cwd: root, env });
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(expect.objectContaining({ check: 'spool', status: 'ok' }));
  });
});

describe('privacy on disk', () => {
  it('never writes an Anthropic or AWS key, in the ledger, the spool or a backup; files are 0600', async () => {
    const anthropic = 'sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-_dcba';
    const aws = 'AKIAIOSFODNN7EXAMPLE';
    await record(['--prompt', `deploy with ${anthropic}`, '--error', `denied for ${aws}`]);
    await runCli(['backup'], { cwd: root, env });
    writeFileSync(join(root, 'blocker'), '');
    await record(['--csv', join(root, 'blocker', 'x.csv'), '--prompt', `again ${anthropic} ${aws}`]);
    const files = [...filesUnder(join(root, '.kiro')), ...filesUnder(join(root, 'cache'))];
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const bytes = readFileSync(file, file.endsWith('.gz') ? undefined : 'utf8');
      const text = file.endsWith('.gz') ? (await import('node:zlib')).gunzipSync(bytes).toString('utf8') : String(bytes);
      expect(text).not.toContain(anthropic);
      expect(text).not.toContain(aws);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
  });
});

describe('maintenance commands (CLI)', () => {
  it('erase --session s1 removes exactly s1 and says how many', async () => {
    for (const session of ['s1', 's2', 's1', 's3', 's1']) await record(['--session', session]);
    const erase = await runCli(['erase', '--session', 's1'], { cwd: root, env });
    expect(erase.code).toBe(0);
    expect(erase.stdout).toMatch(/^Erased 3 row\(s\)/);
    const report = JSON.parse((await runCli(['report', '--by', 'session', '--json'], { cwd: root, env })).stdout);
    expect(report.groups.map((group: { key: string }) => group.key).sort()).toEqual(['s2', 's3']);
  });

  it('every command has --help, and usage errors exit 2', async () => {
    for (const command of ['flush', 'backup', 'rotate', 'purge', 'erase', 'export', 'repair', 'migrate', 'doctor']) {
      const help = await runCli([command, '--help'], { cwd: root, env });
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain('--csv');
    }
    expect((await runCli(['erase'], { cwd: root, env })).code).toBe(2);
    expect((await runCli(['export', '--format', 'xml'], { cwd: root, env })).code).toBe(2);
  });

  it('export, rotate, purge, repair, migrate and doctor round trip', async () => {
    await record(['--prompt', '=1+1', '--session', 'a']);
    expect((await runCli(['export'], { cwd: root, env })).stdout).toContain("'=1+1");
    expect((await runCli(['export', '--raw'], { cwd: root, env })).stdout).not.toContain("'=1+1");
    expect(JSON.parse((await runCli(['rotate', '--force', '--json'], { cwd: root, env })).stdout)).toMatchObject({ rotated: true });
    await record(['--session', 'b']);
    const jsonl = (await runCli(['export', '--format', 'jsonl'], { cwd: root, env })).stdout.trim().split('\n');
    expect(jsonl.map((line) => JSON.parse(line).session_id)).toEqual(['a', 'b']);
    expect(JSON.parse((await runCli(['purge', '--json'], { cwd: root, env })).stdout)).toMatchObject({ removed: 0, kept: 2 });
    writeFileSync(ledger(), `${readFileSync(ledger(), 'utf8')}broken,row\n`);
    expect((await runCli(['validate'], { cwd: root, env })).code).toBe(1);
    expect((await runCli(['doctor'], { cwd: root, env })).code).toBe(0);
    expect(JSON.parse((await runCli(['repair', '--json'], { cwd: root, env })).stdout)).toMatchObject({ kept: 2, rejected: 1 });
    expect((await runCli(['validate'], { cwd: root, env })).code).toBe(0);
    expect((await runCli(['migrate'], { cwd: root, env })).stdout).toContain('Nothing to migrate');
  });
});
