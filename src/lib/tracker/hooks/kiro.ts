/**
 * Kiro hooks. Kiro hands a hook no token counts. Its legacy `.kiro.hook`
 * `runCommand` hooks get no stdin, only the prompt (env USER_PROMPT); its v1
 * `.kiro/hooks/*.json` command hooks get JSON on stdin (`hook_event_name`,
 * `session_id`, `cwd`, and `prompt` on UserPromptSubmit). Either way a
 * prompt hook (`kiro-start`) notes the prompt and the time in a small state
 * file, and a stop hook (`kiro-stop`) turns that into one row: elapsed time
 * measured, tokens estimated with a tokenizer, usage_source `estimated` (the
 * output too, when the stop payload carries the response).
 *
 * The state file is keyed by the workspace root plus the session (Kiro's
 * session id, else TOKEN_LEDGER_SESSION), so two Kiro windows never mix.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import type { LoadedConfig } from '../config.ts';
import { ledgerSessionId } from '../importers/ids.ts';
import { recordTransaction, type RecordResult } from '../record/record.ts';
import { LIMITS } from '../schema.ts';
import { cacheHome } from '../home.ts';
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
  return join(cacheHome(env), 'token-ledger', 'kiro');
}

function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 16);
}

function stateKey(root: string, session: string | undefined): string {
  return shortHash(`${root}\u0000${session ?? ''}`);
}

export function pendingPromptPath(root: string, env: NodeJS.ProcessEnv, session = env.TOKEN_LEDGER_SESSION): string {
  return join(kiroStateDir(env), `${stateKey(root, session)}.json`);
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
  /** Kiro's own session id (v1 payloads); else TOKEN_LEDGER_SESSION, else one per workspace and day. */
  session?: string;
}

/** What a Kiro v1 command hook gets on stdin; other fields are ignored. */
export const kiroHookInputSchema = z.object({
  hook_event_name: z.string({ error: 'must name the hook event' }).check(z.minLength(1)),
  session_id: z.optional(z.string()),
  cwd: z.optional(z.string()),
  prompt: z.optional(z.string()),
  /** The assistant's answer, on stop events of Kiro versions that send it. */
  assistant_response: z.optional(z.string()),
});
export type KiroHookInput = z.infer<typeof kiroHookInputSchema>;

export interface KiroStartResult {
  /** A prompt that was started but never stopped, now replaced. */
  abandoned: PendingPrompt | undefined;
  path: string;
}

/** promptSubmit: remembers the prompt and when it was sent. Quick: no tokenizer, no ledger. */
export function kiroStart(context: KiroHookContext & { prompt: string }): KiroStartResult {
  const { loaded, env, now } = context;
  const session = context.session ?? env.TOKEN_LEDGER_SESSION;
  const path = pendingPromptPath(loaded.root, env, session);
  const abandoned = readPendingPrompt(path);
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const pending: PendingPrompt = {
    started_at: now.toISOString(),
    prompt: context.prompt,
    session_id: ledgerSessionId(session ?? `kiro-${day}-${shortHash(loaded.root).slice(0, 8)}`),
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

/** agentStop / Stop: one estimated row for the prompt kiro-start noted. */
export async function kiroStop(
  context: KiroHookContext & { csvPath: string; model: string | undefined; prompt?: string; response?: string },
): Promise<KiroStopResult> {
  const { loaded, env, now } = context;
  const pending = claimPendingPrompt(pendingPromptPath(loaded.root, env, context.session ?? env.TOKEN_LEDGER_SESSION));
  if (!pending) return { status: 'no-start' };
  const seconds = (now.getTime() - Date.parse(pending.started_at)) / 1000;
  if (seconds > LIMITS.maxElapsedSeconds) return { status: 'stale', pending, seconds };
  const prompt = pending.prompt || (context.prompt ?? '');
  // Only the prompt is known, so this is a floor for the input; a row needs at least one token.
  const inputTokens = Math.max(1, await estimateTokens(prompt));
  const outputTokens = context.response === undefined ? undefined : await estimateTokens(context.response);
  const result = await recordTransaction(
    {
      timestamp: now.toISOString(),
      prompt_text: prompt,
      tokens_used: inputTokens + (outputTokens ?? 0),
      input_tokens: inputTokens,
      output_tokens: outputTokens,
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
