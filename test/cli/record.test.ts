import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { V1_COLUMNS, V3_COLUMNS, headerLine } from '../../src/lib/tracker/index.ts';
import { runCli, runProcess, tempWorkspace } from '../helpers/cli.ts';

describe('token-ledger record / validate / report', () => {
  let root: string;
  let ledger: string;

  beforeAll(() => {
    root = tempWorkspace();
    mkdirSync(join(root, '.git'));
    ledger = join(root, '.kiro', 'token_transactions.csv');
  });

  it('appends one row under the exact standard headers plus the v2 and v3 columns', async () => {
    const result = await runCli(
      ['record', '--prompt', 'Say "hi", then stop', '--tokens', '1250', '--elapsed', '2.34', '--trigger', 'manual', '--hook-name', 'token-tracker-hook', '--session', 's1', '--execution', 'e1', '--workspace', 'demo'],
      { cwd: root },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const text = readFileSync(ledger, 'utf8');
    const [header] = text.split('\n');
    expect(header?.split(',').slice(0, 12)).toEqual([...V1_COLUMNS]);
    expect(header?.split(',')).toEqual([...V3_COLUMNS]);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({
        prompt_text: 'Say "hi", then stop',
        tokens_used: '1250',
        elapsed_time: '2.340',
        session_id: 's1',
        workspace_folder: 'demo',
        hook_trigger_type: 'manual',
        agent_execution_id: 'e1',
        hook_name: 'token-tracker-hook',
        error_occurred: 'false',
        error_message: '',
        transaction_id: id,
      }),
    ]);
  });

  it('validate exits 0 on it and report --json totals match', async () => {
    const validate = await runCli(['validate'], { cwd: root });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^OK: .* 1 rows, 1 valid, 0 invalid/m);
    const report = await runCli(['report', '--json'], { cwd: root });
    expect(report.code).toBe(0);
    const json = JSON.parse(report.stdout) as { totals: Record<string, number>; groups: unknown[] };
    expect(json.totals).toMatchObject({ transactions: 1, tokens_used: 1250, errors: 0, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0 });
    expect(Object.keys(json.totals)).toEqual(expect.arrayContaining(['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'errors']));
    expect(json.groups).toEqual([]);
    const byDay = JSON.parse((await runCli(['report', '--json', '--by', 'day'], { cwd: root })).stdout) as { groups: { key: string; tokens_used: number }[] };
    expect(byDay.groups).toEqual([expect.objectContaining({ key: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), tokens_used: 1250 })]);
  });

  it.each([
    ['--tokens -5', ['--tokens', '-5', '--elapsed', '1'], 'tokens_used', ''],
    ['--trigger nope', ['--tokens', '5', '--elapsed', '1', '--trigger', 'nope'], 'hook_trigger_type', ''],
    ['a timestamp next year', ['--tokens', '5', '--elapsed', '1', '--timestamp', `${new Date().getUTCFullYear() + 1}-06-01T00:00:00.000Z`], 'timestamp', ''],
    ['a 2,000-char session id', ['--tokens', '5', '--elapsed', '1', '--session', 'a'.repeat(2000)], 'session_id', ''],
    ['malformed --stdin JSON', ['--stdin'], 'stdin', '{"tokens_used": 5,'],
    ['an unknown --stdin key', ['--stdin'], 'tokns', '{"tokns": 5}'],
  ])('rejects %s with exit 1, naming the field, ledger bytes unchanged', async (_name, args, field, input) => {
    const before = readFileSync(ledger);
    const result = await runCli(['record', ...args], { cwd: root, input });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(field);
    expect(result.stderr).toMatch(/nothing was written/);
    expect(result.stdout).toBe('');
    expect(readFileSync(ledger).equals(before)).toBe(true);
  });

  it('treats unknown commands and options as usage errors (exit 2)', async () => {
    expect((await runCli(['nope'], { cwd: root })).code).toBe(2);
    const typo = await runCli(['record', '--tokns', '5'], { cwd: root });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option --tokns/);
    expect((await runCli(['report', '--by', 'colour'], { cwd: root })).code).toBe(2);
    expect((await runCli([], { cwd: root })).code).toBe(2);
  });

  it('prints help for the program and each command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/record/);
    expect(top.stdout).toMatch(/validate/);
    for (const command of ['record', 'validate', 'report']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--csv');
    }
  });

  it('still runs from its former entry bin/token-ledger.mjs, which hooks set up earlier name', async () => {
    const other = join(root, 'former-entry.csv');
    const former = fileURLToPath(new URL('../../bin/token-ledger.mjs', import.meta.url));
    const recorded = await runProcess(process.execPath, [former, 'record', '--tokens', '9', '--elapsed', '1', '--csv', other], { cwd: root });
    expect(recorded.code).toBe(0);
    const rows = parse(readFileSync(other, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.transaction_id, row.tokens_used])).toEqual([[recorded.stdout.trim(), '9']]);
    expect((await runProcess(process.execPath, [former, 'report', '--json', '--csv', other], { cwd: root })).stdout).toContain('"tokens_used": 9');
  });

  it('records a JSON Lines batch from stdin, all or nothing', async () => {
    const other = join(root, 'batch.csv');
    const good = '{"prompt_text":"a,\\"b\\"\\nc 🚀","tokens_used":3,"elapsed_time":0.5}\n{"tokens_used":4,"elapsed_time":1,"model":"gpt-5","input_tokens":3,"output_tokens":1}\n';
    const bad = `${good}{"tokens_used":-1,"elapsed_time":1}\n`;
    const rejected = await runCli(['record', '--stdin', '--csv', other], { cwd: root, input: bad });
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/Record 3 of 3/);
    expect(existsSync(other)).toBe(false);
    const accepted = await runCli(['record', '--stdin', '--csv', other], { cwd: root, input: good });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout.trim().split('\n')).toHaveLength(2);
    const rows = parse(readFileSync(other), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.prompt_text)).toEqual(['a,"b"\nc 🚀', '']);
  });

  it('validate lists bad rows by line and exits 1', async () => {
    const other = join(root, 'broken.csv');
    await runCli(['record', '--tokens', '5', '--elapsed', '1', '--csv', other], { cwd: root });
    const { appendFileSync } = await import('node:fs');
    appendFileSync(other, 'torn,row\n');
    const result = await runCli(['validate', '--csv', other, '--json'], { cwd: root });
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as { ok: boolean; invalid: number; problems: { line: number }[] };
    expect(json).toMatchObject({ ok: false, invalid: 1, problems: [{ line: 3 }] });
  });
});

describe('token-ledger record: the user and the 1-hour cache writes', () => {
  const record = ['record', '--tokens', '1000', '--input-tokens', '900', '--output-tokens', '100', '--cache-creation-tokens', '400', '--elapsed', '1', '--model', 'claude-haiku-4-5'];
  const rowsOf = (path: string) => parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];

  it('prices the 1-hour part at 2x input and names the user from --user, else TOKEN_LEDGER_USER; report --by user groups them', async () => {
    const root = tempWorkspace();
    mkdirSync(join(root, '.git'));
    const ledger = join(root, 'ledger.csv');
    expect((await runCli([...record, '--cache-creation-1h-tokens', '100', '--user', 'ana@example.com', '--csv', ledger], { cwd: root })).code).toBe(0);
    expect((await runCli([...record, '--csv', ledger], { cwd: root, env: { TOKEN_LEDGER_USER: 'bo@example.com' } })).code).toBe(0);
    const stdin = JSON.stringify({ tokens_used: 5, elapsed_time: 1, user: 'bo@example.com', cache_creation_1h_tokens: null });
    expect((await runCli(['record', '--stdin', '--csv', ledger], { cwd: root, input: stdin })).code).toBe(0);
    const rows = rowsOf(ledger);
    expect(rows.map((row) => [row.user, row.cache_creation_1h_tokens])).toEqual([
      ['ana@example.com', '100'],
      ['bo@example.com', ''],
      ['bo@example.com', ''],
    ]);
    // Haiku 4.5: 500 fresh x $1 + 300 x $1.25 (5 minutes) + 100 x $2 (1 hour) + 100 out x $5, per million
    expect(Number(rows[0]?.cost_usd)).toBeCloseTo((500 * 1 + 300 * 1.25 + 100 * 2 + 100 * 5) / 1e6, 10);
    expect(Number(rows[1]?.cost_usd)).toBeCloseTo((500 * 1 + 400 * 1.25 + 100 * 5) / 1e6, 10);
    const report = JSON.parse((await runCli(['report', '--by', 'user', '--json', '--csv', ledger], { cwd: root })).stdout) as { groups: { key: string; transactions: number }[] };
    expect(report.groups.map((group) => [group.key, group.transactions])).toEqual([
      ['bo@example.com', 2],
      ['ana@example.com', 1],
    ]);
  });

  it('rejects a 1-hour part larger than the cache writes, and hashes the user under user_mode hash', async () => {
    const root = tempWorkspace();
    mkdirSync(join(root, '.kiro'), { recursive: true });
    writeFileSync(join(root, '.kiro', 'token-tracker.json'), JSON.stringify({ user: 'team-lead@example.com', user_mode: 'hash' }));
    const ledger = join(root, 'ledger.csv');
    const tooMany = await runCli([...record, '--cache-creation-1h-tokens', '401', '--csv', ledger], { cwd: root });
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain('cache_creation_1h_tokens');
    expect(existsSync(ledger)).toBe(false);
    expect((await runCli([...record, '--csv', ledger], { cwd: root, env: { TOKEN_LEDGER_USER: 'ignored@example.com' } })).code).toBe(0);
    const { createHash } = await import('node:crypto');
    expect(rowsOf(ledger)[0]?.user).toBe(createHash('sha256').update('team-lead@example.com').digest('hex').slice(0, 16));
  });

  it('appends to a v2 ledger in v2, and migrate rewrites it as v3', async () => {
    const root = tempWorkspace();
    const ledger = join(root, 'ledger.csv');
    writeFileSync(ledger, headerLine(2));
    expect((await runCli([...record, '--user', 'ana@example.com', '--csv', ledger], { cwd: root })).code).toBe(0);
    expect(readFileSync(ledger, 'utf8').split('\n')[0]?.split(',')).toHaveLength(20);
    const migrated = await runCli(['migrate', '--csv', ledger, '--json'], { cwd: root });
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ migrated: [ledger], rows: 1 });
    expect(readFileSync(ledger, 'utf8').split('\n')[0]).toBe(V3_COLUMNS.join(','));
    expect((await runCli(['validate', '--csv', ledger], { cwd: root })).code).toBe(0);
  });
});
