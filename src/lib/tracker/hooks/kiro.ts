/**
 * Kiro IDE hooks. A Kiro `runCommand` hook gets no stdin and no token counts,
 * only the prompt (env USER_PROMPT). So a promptSubmit hook (`kiro-start`)
 * notes the prompt and the time in a small state file, and an agentStop hook
 * (`kiro-stop`) turns that into one row: elapsed time measured, tokens
 * estimated with a tokenizer, usage_source `estimated`.
 *
 * The state file is keyed by the workspace root (plus TOKEN_LEDGER_SESSION
 * when set), so two Kiro windows on different workspaces never mix.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod/mini';
import type { LoadedConfig } from '../config.ts';
import { ledgerSessionId } from '../importers/ids.ts';
import { recordTransaction, type RecordResult } from '../record/record.ts';
import { LIMITS } from '../schema.ts';
import { sha256Hex } from '../sha256.ts';

export const KIRO_STOP_HOOK_NAME = 'token-ledger-agent-stop';

const pendingPromptSchema = z.object({
  started_at: z.iso.datetime(),
  prompt: z.string(),
  session_id: z.string().check(z.minLength(1)),
  agent_execution_id: z.string().check(z.minLength(1)),
  workspace_root: z.string(),
});
export type PendingPrompt = z.infer<typeof pendingPromptSchema>;

/** Where pending prompts wait: TOKEN_LEDGER_STATE_DIR, else the user cache dir (they hold prompt text, so not the repo). */
export function kiroStateDir(env: NodeJS.ProcessEnv): string {
  if (env.TOKEN_LEDGER_STATE_DIR) return join(env.TOKEN_LEDGER_STATE_DIR, 'kiro');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'token-ledger', 'kiro');
}

function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

function stateKey(root: string, env: NodeJS.ProcessEnv): string {
  return shortHash(`${root}\u0000${env.TOKEN_LEDGER_SESSION ?? ''}`);
}

export function pendingPromptPath(root: string, env: NodeJS.ProcessEnv): string {
  return join(kiroStateDir(env), `${stateKey(root, env)}.json`);
}

/** The pending prompt a state file holds; undefined when it is missing or unreadable (a start is then treated as absent). */
function readPendingPrompt(path: string): PendingPrompt | undefined {
  try {
    const result = pendingPromptSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and removes the pending prompt in one step, so two stops can never record it twice. */
function claimPendingPrompt(path: string): PendingPrompt | undefined {
  const claimed = `${path}.claimed-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return readPendingPrompt(claimed);
  } finally {
    rmSync(claimed, { force: true });
  }
}

export interface KiroHookContext {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  now: Date;
}

export interface KiroStartResult {
  /** A prompt that was started but never stopped, now replaced. */
  abandoned: PendingPrompt | undefined;
  path: string;
}

/** promptSubmit: remembers the prompt and when it was sent. Quick: no tokenizer, no ledger. */
export function kiroStart(context: KiroHookContext): KiroStartResult {
  const { loaded, env, now } = context;
  const path = pendingPromptPath(loaded.root, env);
  const abandoned = readPendingPrompt(path);
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const pending: PendingPrompt = {
    started_at: now.toISOString(),
    prompt: env.USER_PROMPT ?? '',
    session_id: ledgerSessionId(env.TOKEN_LEDGER_SESSION ?? `kiro-${day}-${shortHash(loaded.root).slice(0, 8)}`),
    agent_execution_id: `kiro-${randomBytes(8).toString('hex')}`,
    workspace_root: loaded.root,
  };
  mkdirSync(kiroStateDir(env), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, JSON.stringify(pending), { mode: 0o600 });
  renameSync(temp, path);
  return { abandoned, path };
}

/** Tokens of a text by the o200k_base encoding; loaded only here, so kiro-start stays fast. */
export async function estimateTokens(text: string): Promise<number> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  return countTokens(text);
}

export type KiroStopResult =
  | { status: 'no-start' }
  | { status: 'stale'; pending: PendingPrompt; seconds: number }
  | { status: 'recorded'; pending: PendingPrompt; result: RecordResult };

/** agentStop: one estimated row for the prompt kiro-start noted. */
export async function kiroStop(context: KiroHookContext & { csvPath: string; model: string | undefined }): Promise<KiroStopResult> {
  const { loaded, env, now } = context;
  const pending = claimPendingPrompt(pendingPromptPath(loaded.root, env));
  if (!pending) return { status: 'no-start' };
  const seconds = (now.getTime() - Date.parse(pending.started_at)) / 1000;
  if (seconds > LIMITS.maxElapsedSeconds) return { status: 'stale', pending, seconds };
  const prompt = pending.prompt || (env.USER_PROMPT ?? '');
  // Only the prompt is known, so this is a floor for the input; a row needs at least one token.
  const inputTokens = Math.max(1, await estimateTokens(prompt));
  const result = await recordTransaction(
    {
      timestamp: now.toISOString(),
      prompt_text: prompt,
      tokens_used: inputTokens,
      input_tokens: inputTokens,
      elapsed_time: Math.max(LIMITS.minElapsedSeconds, seconds),
      session_id: pending.session_id,
      agent_execution_id: pending.agent_execution_id,
      hook_trigger_type: 'agentExecutionCompleted',
      hook_name: KIRO_STOP_HOOK_NAME,
      model: context.model,
      usage_source: 'estimated',
    },
    { loaded, env, now, csvPath: context.csvPath },
  );
  return { status: 'recorded', pending, result };
}
