/**
 * `init` and the hook commands it writes, tried the way a user meets them:
 * init run in a fresh git repository, then the exact command from
 * .claude/settings.json (or the Kiro hook file) run by `sh -c` from the
 * project, with a Stop payload on stdin, with Node 20 first on PATH as well
 * as Node 22, from a folder outside this checkout.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedger, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { CLI, olderNode, runProcess, type CliResult } from '../helpers/cli.ts';

const NODES = { 'Node 22': process.execPath, 'Node 20': olderNode() } as const;

function freshRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-init-'));
  execFileSync('git', ['init', '-q', root]);
  return root;
}

/** A PATH whose first node is `node`, and nothing of this checkout. */
function pathWith(node: string): string {
  return `${dirname(node)}:/usr/bin:/bin`;
}

function init(node: string, args: readonly string[], cwd: string): Promise<CliResult> {
  return runProcess(node, [CLI, 'init', ...args], { cwd, env: { PATH: pathWith(node), TOKEN_LEDGER_CSV: '' } });
}

const SESSION = '7c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5';

/** A transcript in Claude Code's format: a typed prompt, a streamed response, a tool result, a final response. */
function transcript(home: string, project: string): string {
  const folder = join(home, 'projects', project.replaceAll('/', '-'));
  mkdirSync(folder, { recursive: true });
  const at = (second: number) => `2026-11-30T09:00:${String(second).padStart(2, '0')}.000Z`;
  const usage = (output: number) => ({ input_tokens: 4, cache_creation_input_tokens: 300, cache_read_input_tokens: 5000, output_tokens: output });
  const assistant = (id: string, output: number, stop: string | null, second: number) => ({
    type: 'assistant',
    sessionId: SESSION,
    cwd: project,
    requestId: `req_${id}`,
    timestamp: at(second),
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', stop_reason: stop, usage: usage(output) },
  });
  const lines = [
    { type: 'user', sessionId: SESSION, cwd: project, timestamp: at(0), message: { role: 'user', content: 'Add a "--dry-run" flag, then run the tests' } },
    assistant('A', 12, null, 2),
    assistant('A', 210, 'tool_use', 3),
    { type: 'user', sessionId: SESSION, cwd: project, timestamp: at(4), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] } },
    assistant('B', 64, 'end_turn', 6),
  ];
  const path = join(folder, `${SESSION}.jsonl`);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

function stopPayload(path: string, cwd: string, event = 'Stop'): string {
  return JSON.stringify({ session_id: SESSION, transcript_path: path, cwd, hook_event_name: event, stop_hook_active: false });
}

function settingsCommand(root: string, event: string): string {
  const settings = JSON.parse(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, { hooks: { command: string; timeout: number }[] }[]> };
  const hook = settings.hooks[event]?.flatMap((group) => group.hooks).find((candidate) => candidate.command.includes('token-ledger'));
  if (!hook) throw new Error(`no token-ledger hook on ${event}`);
  expect(hook.timeout).toBeGreaterThan(0);
  return hook.command;
}

/** Claude Code runs a command hook with `sh -c` in the project, the payload on stdin. */
function runAsClaude(command: string, cwd: string, input: string, node: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProcess('sh', ['-c', command], { cwd, input, env: { PATH: pathWith(node), TOKEN_LEDGER_CSV: '', ...env } });
}

async function rows(csv: string): Promise<LedgerRecord[]> {
  if (!existsSync(csv)) return [];
  const records: LedgerRecord[] = [];
  for await (const row of readLedger(csv)) if (row.ok) records.push(row.record);
  return records;
}

describe('token-ledger init, then the hooks it wrote', () => {
  for (const [label, node] of Object.entries(NODES)) {
    it(`(${label} first on PATH) records a Claude Code Stop into the project's ledger with the prompt; a second init changes nothing`, async () => {
      const root = freshRepo();
      mkdirSync(join(root, '.claude'));
      const mine = { model: 'opus', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'echo mine' }] }], PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'true' }] }] } };
      writeFileSync(join(root, '.claude', 'settings.json'), JSON.stringify(mine));
      const outside = mkdtempSync(join(tmpdir(), 'tl-elsewhere-'));

      const first = await init(node, ['--claude', '--kiro', '--dir', root, '--json'], outside);
      expect(first.code).toBe(0);
      expect((JSON.parse(first.stdout) as { changed: number }).changed).toBe(4);
      const settings = JSON.parse(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')) as typeof mine;
      // What was there stays.
      expect(settings.model).toBe('opus');
      expect(settings.hooks.PreToolUse).toEqual(mine.hooks.PreToolUse);
      expect(settings.hooks.Stop[0]).toEqual(mine.hooks.Stop[0]);

      const command = settingsCommand(root, 'Stop');
      expect(command.startsWith(`${node} `)).toBe(true);
      const path = transcript(join(root, 'claude-home'), root);
      const stop = await runAsClaude(command, root, stopPayload(path, root), node);
      expect(stop).toMatchObject({ code: 0, stderr: '' });
      const records = await rows(join(root, '.kiro', 'token_transactions.csv'));
      expect(records.map((record) => [record.transaction_id, record.output_tokens, record.input_tokens, record.prompt_text, record.workspace_folder])).toEqual([
        ['claude:msg_A:req_A', 210, 5304, 'Add a "--dry-run" flag, then run the tests', root.split('/').at(-1)],
        ['claude:msg_B:req_B', 64, 5304, 'Add a "--dry-run" flag, then run the tests', root.split('/').at(-1)],
      ]);

      // The same Stop again, then SessionEnd: nothing twice.
      await runAsClaude(command, root, stopPayload(path, root), node);
      await runAsClaude(settingsCommand(root, 'SessionEnd'), root, stopPayload(path, root, 'SessionEnd'), node);
      expect(await rows(join(root, '.kiro', 'token_transactions.csv'))).toHaveLength(2);

      const second = await init(node, ['--claude', '--kiro', '--dir', root], outside);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/Nothing to change/);
      expect(second.stdout).not.toMatch(/^(created|updated)/m);
    });
  }

  it('writes Kiro hooks that record a prompt and its stop, in both formats, from the project folder', async () => {
    const root = freshRepo();
    const node = NODES['Node 20'];
    expect((await init(node, ['--kiro', '--dir', root], root)).code).toBe(0);
    const hooksDir = join(root, '.kiro', 'hooks');
    const state = mkdtempSync(join(tmpdir(), 'tl-kiro-state-'));
    const env = { TOKEN_LEDGER_STATE_DIR: state };
    const csv = join(root, '.kiro', 'token_transactions.csv');

    // Kiro IDE 1.0 / kiro-cli: .kiro/hooks/*.json, JSON on stdin.
    const v1 = JSON.parse(readFileSync(join(hooksDir, 'token-ledger.json'), 'utf8')) as { version: string; hooks: { trigger: string; action: { command: string }; timeout: number }[] };
    expect(v1.version).toBe('v1');
    const v1Command = (trigger: string) => v1.hooks.find((hook) => hook.trigger === trigger)?.action.command ?? '';
    const base = { session_id: 'sess_1b2c', cwd: root };
    expect((await runAsClaude(v1Command('UserPromptSubmit'), root, JSON.stringify({ ...base, hook_event_name: 'UserPromptSubmit', prompt: 'Explain the lock' }), node, env)).code).toBe(0);
    const v1Stop = await runAsClaude(v1Command('Stop'), root, JSON.stringify({ ...base, hook_event_name: 'Stop', assistant_response: 'The lock is a folder beside the ledger. '.repeat(20) }), node, env);
    expect(v1Stop).toMatchObject({ code: 0, stderr: '' });
    const [v1Row] = await rows(csv);
    expect(v1Row).toMatchObject({ prompt_text: 'Explain the lock', session_id: 'sess_1b2c', usage_source: 'estimated' });
    expect(v1Row?.output_tokens).toBeGreaterThan(100);

    // Legacy .kiro.hook: no stdin, the prompt in USER_PROMPT.
    const legacy = (name: string) => (JSON.parse(readFileSync(join(hooksDir, name), 'utf8')) as { then: { command: string } }).then.command;
    const kiro = (command: string, prompt?: string) =>
      runProcess('sh', ['-c', command], { cwd: root, noStdin: true, env: { PATH: pathWith(node), TOKEN_LEDGER_CSV: '', ...env, ...(prompt === undefined ? {} : { USER_PROMPT: prompt }) } });
    expect((await kiro(legacy('token-ledger-prompt-submit.kiro.hook'), 'Rename the module')).code).toBe(0);
    expect(await kiro(legacy('token-ledger-agent-stop.kiro.hook'))).toMatchObject({ code: 0, stderr: '' });
    expect((await rows(csv)).map((record) => record.prompt_text)).toEqual(['Explain the lock', 'Rename the module']);
  });

  it('keeps to the format a Kiro folder already uses', async () => {
    const root = freshRepo();
    mkdirSync(join(root, '.kiro', 'hooks'), { recursive: true });
    writeFileSync(join(root, '.kiro', 'hooks', 'lint.json'), JSON.stringify({ version: 'v1', hooks: [] }));
    const result = await init(NODES['Node 22'], ['--kiro', '--dir', root, '--json'], root);
    expect((JSON.parse(result.stdout) as { files: { path: string }[] }).files.map((file) => file.path.split('/').at(-1))).toEqual(['token-ledger.json']);
  });

  it('--dry-run writes nothing; a broken settings file is an error naming it, left as it was', async () => {
    const root = freshRepo();
    const dry = await init(NODES['Node 22'], ['--dir', root, '--dry-run'], root);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would be created: .*settings\.json/);
    expect(existsSync(join(root, '.claude'))).toBe(false);
    expect(existsSync(join(root, '.kiro'))).toBe(false);
    mkdirSync(join(root, '.claude'));
    writeFileSync(join(root, '.claude', 'settings.json'), '{"hooks": ');
    const broken = await init(NODES['Node 22'], ['--claude', '--dir', root], root);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/settings\.json is not valid JSON.*nothing was changed/);
    expect(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')).toBe('{"hooks": ');
  });

  it('the written command never blocks the agent: a bad payload, a missing transcript, an unwritable ledger, a typo exit 0 with one line; --strict does not', async () => {
    const root = freshRepo();
    const node = NODES['Node 20'];
    await init(node, ['--claude', '--dir', root], root);
    const command = settingsCommand(root, 'Stop');
    const path = transcript(join(root, 'claude-home'), root);
    const cases: [string, string, string, NodeJS.ProcessEnv][] = [
      ['bad payload', command, 'not json', {}],
      ['missing transcript', command, stopPayload(join(root, 'gone.jsonl'), root), {}],
      ['unwritable ledger', command, stopPayload(path, root), { TOKEN_LEDGER_CSV: '/dev/full/ledger.csv' }],
      ['typo', command.replace('hook claude', 'hook claud'), stopPayload(path, root), {}],
    ];
    for (const [label, run, input, env] of cases) {
      const result = await runAsClaude(run, root, input, node, env);
      expect({ label, code: result.code }).toEqual({ label, code: 0 });
      expect({ label, lines: result.stderr.trim().split('\n').length }).toEqual({ label, lines: 1 });
      const strict = await runAsClaude(`${run} --strict`, root, input, node, env);
      expect({ label, strict: strict.code === 0 }).toEqual({ label, strict: false });
    }
  });

  it('doctor runs the installed command end to end and says it works', async () => {
    const root = freshRepo();
    const node = NODES['Node 20'];
    await init(node, ['--claude', '--dir', root], root);
    const doctor = await runProcess(node, [CLI, 'doctor', '--json'], { cwd: root, env: { PATH: pathWith(node), TOKEN_LEDGER_CSV: '' } });
    const checks = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string; detail: string }[] }).checks;
    expect(checks.filter((check) => check.check === 'claude hook').map((check) => check.status)).toEqual(['ok', 'ok', 'ok']);
    expect(checks.find((check) => check.check === 'hook call')).toMatchObject({ status: 'ok' });
    // The synthetic call wrote into a temporary ledger, not the project's.
    expect(existsSync(join(root, '.kiro', 'token_transactions.csv'))).toBe(false);
  });

  it('a Stop reads only what the transcript gained since the last one', async () => {
    const root = freshRepo();
    const node = NODES['Node 22'];
    await init(node, ['--claude', '--dir', root], root);
    const command = settingsCommand(root, 'Stop');
    const path = transcript(join(root, 'claude-home'), root);
    await runAsClaude(command, root, stopPayload(path, root), node);
    const next = { type: 'assistant', sessionId: SESSION, cwd: root, requestId: 'req_C', timestamp: '2026-11-30T09:01:00.000Z', message: { id: 'msg_C', model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 9 } } };
    appendFileSync(path, `${JSON.stringify({ type: 'user', sessionId: SESSION, timestamp: '2026-11-30T09:00:50.000Z', message: { role: 'user', content: 'and the docs' } })}\n${JSON.stringify(next)}\n`);
    const result = await runAsClaude(`${command} --json`, root, stopPayload(path, root), node);
    expect(JSON.parse(result.stdout)).toMatchObject({ lines: 2, responses: 1, added: 1, duplicates: 0 });
    expect((await rows(join(root, '.kiro', 'token_transactions.csv'))).at(-1)).toMatchObject({ transaction_id: 'claude:msg_C:req_C', prompt_text: 'and the docs' });
  });
});
