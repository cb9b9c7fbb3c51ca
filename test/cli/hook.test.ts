import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLedger, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { CLI, runCli, runProcess, type CliResult } from '../helpers/cli.ts';

function workspace(): { root: string; csv: string; state: string } {
  const root = mkdtempSync(join(tmpdir(), 'tl-hook-'));
  mkdirSync(join(root, '.git'));
  return { root, csv: join(root, '.kiro', 'token_transactions.csv'), state: join(root, 'state') };
}

async function rows(csv: string): Promise<LedgerRecord[]> {
  if (!existsSync(csv)) return [];
  const records: LedgerRecord[] = [];
  for await (const row of readLedger(csv)) if (row.ok) records.push(row.record);
  return records;
}

describe('token-ledger hook claude', () => {
  const session = '9d5f0a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6';
  const assistant = (id: string, output: number, stop: string | null, second: number) => ({
    type: 'assistant',
    sessionId: session,
    cwd: '/home/dev/shop',
    requestId: `req_${id}`,
    timestamp: `2026-05-01T10:00:${String(second).padStart(2, '0')}.000Z`,
    message: { id: `msg_${id}`, model: 'claude-haiku-4-5-20251001', stop_reason: stop, usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 200, output_tokens: output } },
  });
  const user = (second: number) => JSON.stringify({ type: 'user', sessionId: session, timestamp: `2026-05-01T10:00:${String(second).padStart(2, '0')}.000Z`, message: { role: 'user', content: 'next' } });

  function transcript(root: string, lines: readonly string[]): string {
    const folder = join(root, 'claude', 'projects', '-home-dev-shop');
    mkdirSync(folder, { recursive: true });
    const path = join(folder, `${session}.jsonl`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  const payload = (path: string, event = 'Stop', cwd?: string) => JSON.stringify({ session_id: session, transcript_path: path, cwd: cwd ?? dirname(dirname(dirname(dirname(path)))), hook_event_name: event, stop_hook_active: false });

  it('records each response once when the same Stop payload arrives twice', async () => {
    const { root, csv } = workspace();
    const path = transcript(root, [user(0), JSON.stringify(assistant('A', 10, null, 1)), JSON.stringify(assistant('A', 120, 'tool_use', 2)), user(3), JSON.stringify(assistant('B', 40, 'end_turn', 5))]);
    for (let run = 0; run < 2; run += 1) {
      const result = await runCli(['hook', 'claude'], { cwd: root, input: payload(path) });
      expect(result).toMatchObject({ code: 0, stderr: '' });
    }
    const records = await rows(csv);
    expect(records.map((record) => [record.transaction_id, record.output_tokens, record.input_tokens])).toEqual([
      ['claude:msg_A:req_A', 120, 213],
      ['claude:msg_B:req_B', 40, 213],
    ]);
    expect(records[0]?.cost_usd).toBeGreaterThan(0);
  });

  it('leaves a response still being written for the next run, which adds it once', async () => {
    const { root, csv } = workspace();
    const path = transcript(root, [user(0), JSON.stringify(assistant('A', 30, 'end_turn', 1)), user(2), JSON.stringify(assistant('B', 5, null, 3))]);
    const first = await runCli(['hook', 'claude'], { cwd: root, input: payload(path) });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/1 response still being written/);
    expect((await rows(csv)).map((record) => record.transaction_id)).toEqual(['claude:msg_A:req_A']);

    appendFileSync(path, `${JSON.stringify(assistant('B', 700, 'end_turn', 9))}\n`);
    await runCli(['hook', 'claude'], { cwd: root, input: payload(path, 'SubagentStop') });
    await runCli(['hook', 'claude'], { cwd: root, input: payload(path, 'SessionEnd') });
    expect((await rows(csv)).map((record) => [record.transaction_id, record.output_tokens])).toEqual([
      ['claude:msg_A:req_A', 30],
      ['claude:msg_B:req_B', 700],
    ]);
  });

  it('never fails the agent on bad input (exit 0, one line), unless --strict', async () => {
    const { root } = workspace();
    const result = await runCli(['hook', 'claude'], { cwd: root, input: 'not json' });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^token-ledger: stdin: not the JSON a Claude Code hook sends/);
    const missing = await runCli(['hook', 'claude'], { cwd: root, input: payload(join(root, 'gone.jsonl')) });
    expect(missing.code).toBe(0);
    expect(missing.stderr).toMatch(/does not exist/);
    const strict = await runCli(['hook', 'claude', '--strict'], { cwd: root, input: '{}' });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/session_id/);
  });
});

describe('Kiro example hooks, run as Kiro runs them', () => {
  const examples = fileURLToPath(new URL('../../examples/kiro/hooks/', import.meta.url));
  const hooks = Object.fromEntries(
    readdirSync(examples).map((name) => [name, JSON.parse(readFileSync(join(examples, name), 'utf8')) as { name: string; version: string; description: string; enabled: boolean; when: { type: string }; then: { type: string; command: string; timeout: number } }]),
  );
  const byTrigger = (trigger: string) => {
    const hook = Object.values(hooks).find((candidate) => candidate.when.type === trigger);
    if (!hook) throw new Error(`no example hook for ${trigger}`);
    return hook;
  };

  /** A `token-ledger` on PATH, as an installed package provides. */
  const bin = mkdtempSync(join(tmpdir(), 'tl-bin-'));
  writeFileSync(join(bin, 'token-ledger'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'token-ledger'), 0o755);

  /** Kiro's runCommand: the command in a shell, in the workspace, no stdin, the prompt in USER_PROMPT. */
  function runAsKiro(trigger: string, cwd: string, state: string, prompt?: string): Promise<CliResult> {
    return runProcess('sh', ['-c', byTrigger(trigger).then.command], {
      cwd,
      noStdin: true,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, TOKEN_LEDGER_CSV: '', TOKEN_LEDGER_STATE_DIR: state, ...(prompt === undefined ? {} : { USER_PROMPT: prompt }) },
    });
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ships hook files in Kiro\'s format for promptSubmit and agentStop', () => {
    for (const hook of Object.values(hooks)) {
      expect(hook).toMatchObject({ name: expect.any(String), version: expect.any(String), description: expect.any(String), enabled: true, then: { type: 'runCommand', timeout: expect.any(Number) } });
    }
    expect(byTrigger('promptSubmit').then.command).toMatch(/token-ledger hook kiro-start$/);
    expect(byTrigger('agentStop').then.command).toMatch(/token-ledger hook kiro-stop$/);
  });

  it('records one estimated row per prompt, with the elapsed time between the hooks', async () => {
    const { root, csv, state } = workspace();
    const prompts = ['Refactor the parser, keep "quotes", commas and emoji 🚀', 'Now add tests'];
    for (const prompt of prompts) {
      expect(await runAsKiro('promptSubmit', root, state, prompt)).toMatchObject({ code: 0, stderr: '' });
      await pause(400);
      expect(await runAsKiro('agentStop', root, state, prompt)).toMatchObject({ code: 0, stderr: '' });
    }
    const records = await rows(csv);
    expect(records).toHaveLength(2);
    records.forEach((record, index) => {
      expect(record).toMatchObject({ prompt_text: prompts[index], usage_source: 'estimated', hook_trigger_type: 'agentExecutionCompleted', hook_name: 'token-ledger-agent-stop', output_tokens: null, cost_usd: null });
      expect(record.elapsed_time).toBeGreaterThanOrEqual(0.4);
      expect(record.elapsed_time).toBeLessThan(10);
      expect(record.tokens_used).toBe(record.input_tokens);
    });
    expect(records[0]?.tokens_used).toBeGreaterThan(records[1]?.tokens_used ?? 0);
    expect(records[0]?.session_id).toBe(records[1]?.session_id);
    expect(records[0]?.agent_execution_id).not.toBe(records[1]?.agent_execution_id);
  });

  it('keeps concurrent workspaces apart', async () => {
    const a = workspace();
    const b = workspace();
    const state = a.state;
    await runAsKiro('promptSubmit', a.root, state, 'prompt in A');
    await runAsKiro('promptSubmit', b.root, state, 'prompt in B');
    await runAsKiro('agentStop', b.root, state);
    await runAsKiro('agentStop', a.root, state);
    expect((await rows(a.csv)).map((record) => record.prompt_text)).toEqual(['prompt in A']);
    expect((await rows(b.csv)).map((record) => record.prompt_text)).toEqual(['prompt in B']);
  });

  it('explains a stop without a start and a start never stopped, exits 0, and records only real pairs', async () => {
    const { root, csv, state } = workspace();
    const orphan = await runAsKiro('agentStop', root, state);
    expect(orphan.code).toBe(0);
    expect(orphan.stderr).toMatch(/a stop without a prompt hook before it/);
    await runAsKiro('promptSubmit', root, state, 'first, never stopped');
    const restart = await runAsKiro('promptSubmit', root, state, 'second');
    expect(restart.code).toBe(0);
    expect(restart.stderr).toMatch(/never reached its stop hook/);
    await runAsKiro('agentStop', root, state);
    const again = await runAsKiro('agentStop', root, state);
    expect(again.stderr).toMatch(/a stop without a prompt hook before it/);
    expect((await rows(csv)).map((record) => record.prompt_text)).toEqual(['second']);
  });

  it('prices the estimate when the hook names the model', async () => {
    const { root, csv, state } = workspace();
    await runCli(['hook', 'kiro-start'], { cwd: root, env: { USER_PROMPT: 'price me', TOKEN_LEDGER_STATE_DIR: state } });
    await runCli(['hook', 'kiro-stop', '--model', 'claude-sonnet-4-5'], { cwd: root, env: { TOKEN_LEDGER_STATE_DIR: state } });
    const [record] = await rows(csv);
    expect(record?.model).toBe('claude-sonnet-4-5');
    expect(record?.cost_usd).toBeCloseTo(((record?.input_tokens ?? 0) * 3) / 1_000_000, 10);
  });
});
