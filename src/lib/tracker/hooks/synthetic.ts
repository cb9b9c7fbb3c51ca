/**
 * One Claude Code hook call, end to end, as Claude Code makes it: the
 * configured command run by `sh -c` with a Stop payload on stdin, for a
 * made-up session in a temporary project whose ledger is a temporary file.
 * `doctor` runs it to prove the command works from an IDE, not just here.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SyntheticHookResult {
  ok: boolean;
  detail: string;
}

const SESSION = 'token-ledger-doctor';
const MESSAGE_ID = 'msg_token_ledger_doctor';

function syntheticTranscript(project: string): string {
  const folder = join(project, 'claude', 'projects', 'doctor');
  mkdirSync(folder, { recursive: true });
  const at = new Date().toISOString();
  const lines = [
    { type: 'user', sessionId: SESSION, cwd: project, timestamp: at, message: { role: 'user', content: 'doctor check' } },
    {
      type: 'assistant',
      sessionId: SESSION,
      cwd: project,
      requestId: 'req_token_ledger_doctor',
      timestamp: at,
      message: { id: MESSAGE_ID, model: 'claude-haiku-4-5-20251001', stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } },
    },
  ];
  const path = join(folder, `${SESSION}.jsonl`);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

export function runSyntheticClaudeHook(command: string, env: NodeJS.ProcessEnv = process.env): SyntheticHookResult {
  const project = mkdtempSync(join(tmpdir(), 'token-ledger-doctor-'));
  try {
    mkdirSync(join(project, '.git'));
    const ledger = join(project, 'ledger.csv');
    const payload = { session_id: SESSION, transcript_path: syntheticTranscript(project), cwd: project, hook_event_name: 'Stop', stop_hook_active: false };
    // TOKEN_LEDGER_CSV pins the row to the temporary ledger, whatever the user's own settings say.
    const run = spawnSync('sh', ['-c', command], { cwd: project, input: JSON.stringify(payload), env: { ...env, TOKEN_LEDGER_CSV: ledger }, encoding: 'utf8', timeout: 15_000 });
    if (run.error) return { ok: false, detail: `\`${command}\` did not run: ${run.error.message}` };
    const stderr = run.stderr.trim();
    if (run.status !== 0) return { ok: false, detail: `\`${command}\` exited ${run.status}${stderr ? `: ${stderr}` : ''}` };
    let written = '';
    try {
      written = readFileSync(ledger, 'utf8');
    } catch {
      return { ok: false, detail: `\`${command}\` exited 0 but wrote no ledger${stderr ? `: ${stderr}` : ''}` };
    }
    return written.includes(`claude:${MESSAGE_ID}:`)
      ? { ok: true, detail: `\`${command}\` recorded a synthetic Stop end to end` }
      : { ok: false, detail: `\`${command}\` exited 0 but the synthetic response is not in the ledger${stderr ? `: ${stderr}` : ''}` };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
