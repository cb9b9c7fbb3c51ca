/**
 * Deterministic Claude Code, Codex CLI, Gemini CLI and OpenCode logs, shaped like the real ones,
 * with the awkward parts an importer must get right: one response streamed
 * over several lines whose output grows, torn lines, synthetic messages,
 * subagent transcripts, a resumed session that repeats earlier responses,
 * cache writes split into 5-minute and 1-hour parts (or not split, as older
 * Claude Code versions log them), requests above a model's long-context
 * threshold, Codex's repeated token_count events and forked sessions that
 * replay their parent's. Each generator returns its own sums,
 * which the tests and the import benchmark compare against.
 *
 *   node scripts/generate-agent-logs.ts claude|codex|gemini|opencode DIR [--responses N] [--seed N] [--sessions N] [--no-long-context]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from './_seeded-random.ts';

class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  hex(length: number): string {
    let text = '';
    while (text.length < length) text += this.int(0, 15).toString(16);
    return text;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`;
  }
}

/** The sums an importer must reproduce. input_tokens counts all input, cached parts included (the ledger's convention). */
export interface ExpectedUsage {
  files: number;
  lines: number;
  bad_lines: number;
  /** Distinct usage entries: what the first import adds. */
  responses: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  /** Responses by model id. */
  by_model: Record<string, number>;
  /** Turns copied from a parent session into a fork's or subagent's log (Codex): read, never added again. */
  replayed: number;
}

/** One distinct Claude response's usage as Anthropic counts it (the four input parts disjoint), for pricing it independently. */
export interface ClaudeResponseUsage {
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
}

export interface ClaudeExpectedUsage extends ExpectedUsage {
  cache_creation_1h_tokens: number;
  /** Every distinct response once (the resumed session's copies are not repeated). */
  usages: ClaudeResponseUsage[];
}

function emptyExpected(): ExpectedUsage {
  return { files: 0, lines: 0, bad_lines: 0, responses: 0, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0, by_model: {}, replayed: 0 };
}

export interface GenerateOptions {
  /** About how many distinct responses (Claude) or turns (Codex) to write. */
  responses: number;
  seed?: number;
  /** Claude: write requests above the long-context threshold (default true); without them, tools that price tiers differently agree. */
  longContext?: boolean;
  /** Claude: about how many sessions to spread the responses over (default: 5-40 turns each). */
  sessions?: number;
}

const START = Date.parse('2025-06-02T09:00:00.000Z');
const CLAUDE_PACED_RESPONSES = 65_000;
export const CLAUDE_MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'claude-3-5-haiku-20241022', 'claude-lab-preview-x'] as const;
export const CODEX_MODELS = ['gpt-5-codex', 'gpt-5', 'gpt-5.1-codex-mini'] as const;

/** Writes lines to a file, counting them; `torn` adds the front half of a line, as a crashed writer leaves. */
class LogFile {
  private readonly lines: string[] = [];
  private readonly expected: ExpectedUsage;
  constructor(expected: ExpectedUsage) {
    this.expected = expected;
  }
  add(value: unknown): void {
    this.lines.push(JSON.stringify(value));
  }
  torn(value: unknown): void {
    const text = JSON.stringify(value);
    this.lines.push(text.slice(0, Math.floor(text.length / 2)));
    this.expected.bad_lines += 1;
  }
  get entries(): readonly string[] {
    return this.lines;
  }
  write(path: string): void {
    writeFileSync(path, `${this.lines.join('\n')}\n`);
    this.expected.files += 1;
    this.expected.lines += this.lines.length;
  }
}

interface ClaudeResponseLines {
  lines: unknown[];
  model: string;
  /** cacheCreation1h is 0 where the line does not split the writes: they are then all 5-minute writes. */
  usage: { input: number; output: number; cacheCreation: number; cacheCreation1h: number; cacheRead: number };
}

/** The model whose long requests (input above 200k tokens, cache parts included) the generator writes, to exercise its price tier. */
export const CLAUDE_LONG_CONTEXT_MODEL = 'claude-sonnet-4-5-20250929';

/** One API response as Claude Code logs it: 1-4 lines, same ids, output growing; the last has the stop_reason unless `openEnded`. */
function claudeResponse(dice: Dice, base: Record<string, unknown>, time: number, openEnded: boolean, longContext: boolean): ClaudeResponseLines {
  const model = dice.pick(CLAUDE_MODELS);
  const messageId = `msg_01${dice.hex(22)}`;
  const requestId = `req_011C${dice.hex(20)}`;
  const long = model === CLAUDE_LONG_CONTEXT_MODEL && dice.chance(0.15) && longContext;
  const input = dice.int(1, 40);
  const output = dice.int(20, 3000);
  const cacheCreation = dice.chance(0.3) ? dice.int(500, 20_000) : 0;
  // Long requests straddle the threshold: most are above 200k input tokens, some at or just below it.
  const longRead = dice.chance(0.25) ? 200_000 - cacheCreation - 40 - dice.int(0, 20_000) : dice.int(200_000, 420_000);
  const usage = { input, output, cacheCreation, cacheCreation1h: 0, cacheRead: long ? longRead : dice.int(0, 150_000) };
  // Claude Code 1.x logged only the total of the cache writes; newer versions split it by duration.
  const split = dice.chance(0.7);
  if (split && cacheCreation > 0 && dice.chance(0.5)) usage.cacheCreation1h = dice.chance(0.3) ? cacheCreation : dice.int(0, cacheCreation);
  const cacheSplit = split ? { cache_creation: { ephemeral_5m_input_tokens: cacheCreation - usage.cacheCreation1h, ephemeral_1h_input_tokens: usage.cacheCreation1h } } : {};
  const parts = dice.int(1, 4);
  const lines: unknown[] = [];
  for (let part = 1; part <= parts; part += 1) {
    const last = part === parts;
    // Claude Code writes each content block as it finishes; early lines carry a partial output count.
    const output = last ? usage.output : Math.max(1, Math.floor((usage.output * part) / (parts + 1)));
    lines.push({
      ...base,
      type: 'assistant',
      uuid: dice.uuid(),
      timestamp: new Date(time + part * 700).toISOString(),
      requestId,
      message: {
        id: messageId,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: part === parts ? 'tool_use' : 'text', text: `part ${part}, with "quotes", commas and ünïcode` }],
        stop_reason: last && !openEnded ? dice.pick(['end_turn', 'tool_use']) : null,
        stop_sequence: null,
        usage: {
          input_tokens: usage.input,
          cache_creation_input_tokens: usage.cacheCreation,
          cache_read_input_tokens: usage.cacheRead,
          ...cacheSplit,
          output_tokens: output,
          service_tier: 'standard',
        },
      },
    });
  }
  return { lines, model, usage };
}

function countResponse(expected: ClaudeExpectedUsage, response: ClaudeResponseLines): void {
  const { usage } = response;
  expected.usages.push({
    model: response.model,
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_write_5m_tokens: usage.cacheCreation - usage.cacheCreation1h,
    cache_write_1h_tokens: usage.cacheCreation1h,
    cache_read_tokens: usage.cacheRead,
  });
  expected.cache_creation_1h_tokens += usage.cacheCreation1h;
  expected.responses += 1;
  expected.input_tokens += usage.input + usage.cacheCreation + usage.cacheRead;
  expected.output_tokens += usage.output;
  expected.cache_creation_tokens += usage.cacheCreation;
  expected.cache_read_tokens += usage.cacheRead;
  expected.by_model[response.model] = (expected.by_model[response.model] ?? 0) + 1;
}

/** A Claude Code config folder: `<dir>/projects/<project>/<session>.jsonl` plus `<session>/subagents/agent-*.jsonl`. */
export function generateClaudeLogs(dir: string, options: GenerateOptions): ClaudeExpectedUsage {
  const dice = new Dice(options.seed ?? 1);
  const expected: ClaudeExpectedUsage = { ...emptyExpected(), cache_creation_1h_tokens: 0, usages: [] };
  const sessions: { project: string; cwd: string; sessionId: string; file: LogFile; responses: ClaudeResponseLines[] }[] = [];
  let time = START;
  let written = 0;
  // Up to 65k responses the turns are minutes apart; a larger set packs them closer, so it still ends in the past.
  const pace = Math.min(1, CLAUDE_PACED_RESPONSES / options.responses);
  const perSession = options.sessions === undefined ? undefined : options.responses / options.sessions;
  const turnRange = perSession === undefined ? { min: 5, max: 40 } : { min: Math.max(1, Math.round(perSession / 2)), max: Math.max(1, Math.round((perSession * 3) / 2)) };
  for (let index = 0; written < options.responses; index += 1) {
    const projectName = `proj-${index % 4}`;
    const cwd = `/home/dev/${projectName}`;
    const project = join(dir, 'projects', cwd.replaceAll('/', '-'));
    mkdirSync(project, { recursive: true });
    const sessionId = dice.uuid();
    const base = { parentUuid: null, isSidechain: false, userType: 'external', cwd, sessionId, version: '2.0.14', gitBranch: 'main' };
    const file = new LogFile(expected);
    const session = { project, cwd, sessionId, file, responses: [] as ClaudeResponseLines[] };
    const turns = Math.min(dice.int(turnRange.min, turnRange.max), options.responses - written);
    for (let turn = 0; turn < turns; turn += 1) {
      time += Math.round(dice.int(5, 600) * 1000 * pace);
      file.add({ ...base, type: 'user', uuid: dice.uuid(), timestamp: new Date(time).toISOString(), message: { role: 'user', content: `Prompt ${turn}: fix the "parser", then test` } });
      // Some responses never get a stop_reason; a later line in the file shows they are complete.
      const response = claudeResponse(dice, base, time, dice.chance(0.2), options.longContext ?? true);
      for (const line of response.lines) file.add(line);
      countResponse(expected, response);
      session.responses.push(response);
      written += 1;
      time += 5000;
      if (dice.chance(0.05)) file.add({ ...base, type: 'assistant', uuid: dice.uuid(), timestamp: new Date(time).toISOString(), isApiErrorMessage: true, message: { id: dice.uuid(), model: '<synthetic>', role: 'assistant', stop_reason: 'stop_sequence', content: [{ type: 'text', text: 'API Error' }], usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } });
      if (dice.chance(0.03)) file.torn({ ...base, type: 'assistant', message: { id: 'torn', usage: { input_tokens: 9, output_tokens: 9 } } });
      file.add({ ...base, type: 'user', uuid: dice.uuid(), timestamp: new Date(time + 1000).toISOString(), message: { role: 'user', content: [{ type: 'tool_result', content: 'ok' }] } });
    }
    if (dice.chance(0.4) && written < options.responses) {
      const subagentDir = join(project, sessionId, 'subagents');
      mkdirSync(subagentDir, { recursive: true });
      const agentId = dice.hex(8);
      const agentBase = { ...base, isSidechain: true, agentId };
      const subagent = new LogFile(expected);
      for (let turn = 0, count = dice.int(1, 6); turn < count && written < options.responses; turn += 1) {
        time += 3000;
        subagent.add({ ...agentBase, type: 'user', uuid: dice.uuid(), timestamp: new Date(time).toISOString(), message: { role: 'user', content: 'Search the repo' } });
        const response = claudeResponse(dice, agentBase, time, false, options.longContext ?? true);
        for (const line of response.lines) subagent.add(line);
        countResponse(expected, response);
        written += 1;
      }
      subagent.write(join(subagentDir, `agent-${agentId}.jsonl`));
    }
    sessions.push(session);
    file.write(join(project, `${sessionId}.jsonl`));
  }
  // A resumed session starts with a copy of earlier responses: the same responses, not new ones.
  const resumedFrom = sessions[0];
  if (resumedFrom && resumedFrom.responses.length > 0) {
    const copy = new LogFile(expected);
    for (const response of resumedFrom.responses.slice(0, 3)) for (const line of response.lines) copy.add(line);
    copy.add({ type: 'user', cwd: resumedFrom.cwd, sessionId: resumedFrom.sessionId, timestamp: new Date(time).toISOString(), message: { role: 'user', content: 'continue' } });
    copy.torn({ type: 'user', message: { role: 'user', content: 'cut off mid-write' } });
    copy.write(join(resumedFrom.project, `${dice.uuid()}.jsonl`));
  }
  return expected;
}

interface CodexTotals {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

/** A Codex session being written: its file, running total and clock. */
interface CodexSession {
  id: string;
  cwd: string;
  model: string;
  file: LogFile;
  total: CodexTotals;
  time: number;
}

function codexRolloutPath(dir: string, id: string, start: number): string {
  const iso = new Date(start).toISOString();
  const folder = join(dir, 'sessions', iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
  mkdirSync(folder, { recursive: true });
  return join(folder, `rollout-${iso.slice(0, 19).replaceAll(':', '-')}-${id}.jsonl`);
}

/** Model turns as Codex logs them: turn_context, the prompt, then token_count with the running and the turn's totals. */
function codexTurns(dice: Dice, session: CodexSession, turns: number, expected: ExpectedUsage): void {
  const { file, total, cwd, model } = session;
  for (let turn = 0; turn < turns; turn += 1) {
    session.time += dice.int(2, 120) * 1000;
    file.add({ timestamp: new Date(session.time).toISOString(), type: 'turn_context', payload: { cwd, model, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' } } });
    file.add({ timestamp: new Date(session.time).toISOString(), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `Turn ${turn}` }] } });
    session.time += dice.int(1, 90) * 1000;
    const input = dice.int(2_000, 120_000);
    const cached = dice.int(0, input);
    const reasoning = dice.int(0, 800);
    // Codex's output_tokens includes the reasoning tokens (reasoning_output_tokens is a part of it).
    const output = reasoning + dice.int(10, 2_000);
    const last: CodexTotals = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output };
    for (const key of Object.keys(total) as (keyof CodexTotals)[]) total[key] += last[key];
    const event = { timestamp: new Date(session.time).toISOString(), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { ...total }, last_token_usage: last, model_context_window: 272_000 } } };
    file.add(event);
    // Codex sends the same counts again with a rate-limit update; that is not a new turn.
    for (let again = dice.int(0, 3) - 1; again > 0; again -= 1) file.add({ ...event, timestamp: new Date(session.time + again * 50).toISOString() });
    if (dice.chance(0.03)) file.torn(event);
    expected.responses += 1;
    expected.input_tokens += input;
    expected.output_tokens += output;
    expected.cache_read_tokens += cached;
    expected.by_model[model] = (expected.by_model[model] ?? 0) + 1;
  }
}

/**
 * A session continued from another: its own session_meta, then a copy of the
 * parent's lines up to the fork point (as `codex fork` writes it, with the
 * parent's session_meta; a fork of the last turns copies from a turn of the
 * parent's on; a spawned subagent's copy has token counts only and keeps
 * their times), then turns of its own whose running total starts where the
 * parent's stood. Only those own turns are new usage.
 */
function codexContinuation(dice: Dice, dir: string, parent: CodexSession, kind: 'fork' | 'last-turns' | 'subagent', start: number, expected: ExpectedUsage): CodexSession {
  const id = dice.uuid();
  const file = new LogFile(expected);
  const stamp = new Date(start).toISOString();
  const link = kind === 'subagent' ? { source: { subagent: { thread_spawn: { parent_thread_id: parent.id, depth: 1 } } } } : { forked_from_id: parent.id, source: 'cli' };
  file.add({ timestamp: stamp, type: 'session_meta', payload: { id, timestamp: stamp, cwd: parent.cwd, originator: 'codex_cli_rs', cli_version: '0.63.0', model_provider: 'openai', ...link } });
  const entries = parent.file.entries;
  const end = dice.int(Math.ceil(entries.length / 2), entries.length);
  // A fork of the last turns only starts at a turn of the parent's, not at its beginning.
  const turnStarts = entries.flatMap((text, index) => (index < end && text.includes('"type":"turn_context"') ? [index] : []));
  const copied = entries.slice(kind === 'last-turns' ? (turnStarts.at(-2) ?? 0) : 0, end);
  const total: CodexTotals = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
  for (const text of copied) {
    let line: { type?: string; payload?: { type?: string; info?: { total_token_usage?: CodexTotals } | null } };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    const isTokenCount = line.type === 'event_msg' && line.payload?.type === 'token_count';
    if (kind === 'subagent' && !isTokenCount && line.type !== 'turn_context') continue;
    file.add(kind === 'subagent' ? line : { ...line, timestamp: stamp });
    const copiedTotal = isTokenCount ? line.payload?.info?.total_token_usage : undefined;
    if (copiedTotal && copiedTotal.total_tokens !== total.total_tokens) {
      expected.replayed += 1;
      Object.assign(total, copiedTotal);
    }
  }
  const child: CodexSession = { id, cwd: parent.cwd, model: dice.pick(CODEX_MODELS), file, total, time: start };
  codexTurns(dice, child, dice.int(2, 6), expected);
  file.write(codexRolloutPath(dir, id, start));
  return child;
}

/**
 * A Codex home folder: `<dir>/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`,
 * plus a fork, a fork of that fork, a spawned subagent and a fork of the
 * last turns only, each replaying (part of) its parent's history before
 * turns of its own.
 */
export function generateCodexLogs(dir: string, options: GenerateOptions): ExpectedUsage {
  const dice = new Dice(options.seed ?? 2);
  const expected = emptyExpected();
  const sessions: CodexSession[] = [];
  let time = START;
  let written = 0;
  while (written < options.responses) {
    time += dice.int(5, 90) * 60_000;
    const id = dice.uuid();
    const stamp = new Date(time).toISOString();
    const session: CodexSession = { id, cwd: `/home/dev/service-${dice.int(1, 3)}`, model: dice.pick(CODEX_MODELS), file: new LogFile(expected), total: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 }, time };
    session.file.add({ timestamp: stamp, type: 'session_meta', payload: { id, timestamp: stamp, cwd: session.cwd, originator: 'codex_cli_rs', cli_version: '0.63.0', source: 'cli', model_provider: 'openai' } });
    // Before the first model call Codex reports rate limits only, with no usage info.
    session.file.add({ timestamp: stamp, type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 1 } } } });
    const turns = Math.min(dice.int(3, 30), options.responses - written);
    codexTurns(dice, session, turns, expected);
    written += turns;
    session.file.write(codexRolloutPath(dir, id, time));
    sessions.push(session);
    time = session.time;
  }
  const [first, second] = sessions;
  if (first) {
    time += 3_600_000;
    const fork = codexContinuation(dice, dir, first, 'fork', time, expected);
    const forkOfFork = codexContinuation(dice, dir, fork, 'fork', fork.time + 60_000, expected);
    time = forkOfFork.time;
  }
  if (second) time = codexContinuation(dice, dir, second, 'subagent', time + 60_000, expected).time;
  const third = sessions[2];
  if (third) codexContinuation(dice, dir, third, 'last-turns', time + 60_000, expected);
  return expected;
}

export const GEMINI_MODELS = ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3-pro-preview'] as const;

interface GeminiTokens {
  input: number;
  output: number;
  cached: number;
  thoughts: number;
  tool: number;
  total: number;
}

/** One model reply's usage as Gemini CLI records it (from the API's usageMetadata), counted into the sums. */
function geminiTokens(dice: Dice, expected: ExpectedUsage, model: string): GeminiTokens {
  const input = dice.int(1_000, 200_000);
  const cached = dice.chance(0.6) ? dice.int(0, input) : 0;
  const output = dice.int(5, 4_000);
  const thoughts = dice.chance(0.7) ? dice.int(0, 3_000) : 0;
  const tool = dice.chance(0.2) ? dice.int(1, 500) : 0;
  expected.responses += 1;
  // promptTokenCount includes the cached part; thoughts and the tool-use prompt come on top.
  expected.input_tokens += input + tool;
  expected.output_tokens += output + thoughts;
  expected.cache_read_tokens += cached;
  expected.by_model[model] = (expected.by_model[model] ?? 0) + 1;
  return { input, output, cached, thoughts, tool, total: input + output + thoughts + tool };
}

/** A conversation's messages, and the records a `.jsonl` recording appends as it goes. */
interface GeminiConversation {
  messages: Record<string, unknown>[];
  records: unknown[];
}

function geminiConversation(dice: Dice, expected: ExpectedUsage, start: number, turns: number): GeminiConversation {
  const messages: Record<string, unknown>[] = [];
  const records: unknown[] = [];
  let time = start;
  const stamp = () => new Date(time).toISOString();
  for (let turn = 0; turn < turns; turn += 1) {
    time += dice.int(5, 300) * 1000;
    const prompt = { id: dice.uuid(), timestamp: stamp(), type: 'user', content: [{ text: `Turn ${turn}: fix the "parser"` }] };
    messages.push(prompt);
    records.push(prompt);
    time += dice.int(1, 60) * 1000;
    const model = dice.pick(GEMINI_MODELS);
    const reply: Record<string, unknown> = { id: dice.uuid(), timestamp: stamp(), type: 'gemini', content: 'Done.', thoughts: [], model };
    // The reply is written first without tokens, then again once its usage arrives.
    records.push({ ...reply, tokens: null });
    const tokens = geminiTokens(dice, expected, model);
    const withTokens = { ...reply, tokens };
    records.push(withTokens);
    messages.push(withTokens);
    records.push({ $set: { lastUpdated: stamp() } });
    if (dice.chance(0.3)) records.push({ ...withTokens, toolCalls: [{ id: dice.hex(8), name: 'read_file', args: {}, status: 'success', timestamp: stamp() }] });
    if (dice.chance(0.1)) {
      const info = { id: dice.uuid(), timestamp: stamp(), type: 'info', content: 'Request cancelled.' };
      messages.push(info);
      records.push(info);
    }
    // A reply whose usage never arrived (an aborted stream): nothing to count.
    if (dice.chance(0.05)) records.push({ id: dice.uuid(), timestamp: stamp(), type: 'gemini', content: '', model, tokens: null });
  }
  // A rewind hides the last turn from the conversation; its tokens were spent all the same.
  const lastPrompt = messages.findLast((message) => message.type === 'user');
  if (lastPrompt && dice.chance(0.3)) records.push({ $rewindTo: lastPrompt.id });
  return { messages, records };
}

/**
 * A Gemini CLI home (`<dir>` is the `.gemini` folder): `tmp/<project hash>/chats/`
 * with `.jsonl` recordings, older `.json` documents, one `.json` session
 * resumed (copied into a `.jsonl` that repeats its messages) and a
 * subagent's recording under its parent's id.
 */
export function generateGeminiLogs(dir: string, options: GenerateOptions): ExpectedUsage {
  const dice = new Dice(options.seed ?? 3);
  const expected = emptyExpected();
  let time = START;
  let index = 0;
  while (expected.responses < options.responses) {
    const chats = join(dir, 'tmp', dice.hex(64), 'chats');
    mkdirSync(chats, { recursive: true });
    for (let sessions = dice.int(1, 4); sessions > 0 && expected.responses < options.responses; sessions -= 1, index += 1) {
      time += dice.int(10, 600) * 60_000;
      const sessionId = dice.uuid();
      const name = `session-${new Date(time).toISOString().slice(0, 16).replaceAll(':', '-')}-${sessionId.slice(0, 8)}`;
      const projectHash = dice.hex(64);
      const conversation = geminiConversation(dice, expected, time, Math.min(dice.int(2, 25), options.responses - expected.responses));
      const metadata = { sessionId, projectHash, startTime: new Date(time).toISOString(), lastUpdated: new Date(time).toISOString() };
      if (index % 3 === 0) {
        writeFileSync(join(chats, `${name}.json`), JSON.stringify({ ...metadata, messages: conversation.messages }, null, 2));
        expected.files += 1;
        expected.lines += 1;
        if (index % 2 === 0) {
          // Resumed: Gemini CLI copies the document into a .jsonl recording and goes on there.
          const resumed = new LogFile(expected);
          resumed.add(metadata);
          for (const message of conversation.messages) resumed.add(message);
          for (const record of geminiConversation(dice, expected, time + 86_400_000, dice.int(1, 4)).records) resumed.add(record);
          resumed.write(join(chats, `${name}.jsonl`));
        }
        continue;
      }
      const file = new LogFile(expected);
      file.add(metadata);
      for (const record of conversation.records) file.add(record);
      if (dice.chance(0.2)) file.torn({ id: dice.uuid(), type: 'gemini', tokens: { input: 9, output: 9 } });
      file.write(join(chats, `${name}.jsonl`));
      if (dice.chance(0.3)) {
        mkdirSync(join(chats, sessionId), { recursive: true });
        const subagentId = dice.uuid();
        const subagent = new LogFile(expected);
        subagent.add({ sessionId: subagentId, projectHash, startTime: new Date(time).toISOString(), lastUpdated: new Date(time).toISOString(), kind: 'subagent', directories: [`/home/dev/app-${dice.int(1, 3)}`] });
        for (const record of geminiConversation(dice, expected, time + 1000, dice.int(1, 5)).records) subagent.add(record);
        subagent.write(join(chats, sessionId, `${subagentId}.jsonl`));
      }
    }
  }
  return expected;
}

export const OPENCODE_MODELS = [
  { providerID: 'anthropic', modelID: 'claude-sonnet-4-5-20250929' },
  { providerID: 'openai', modelID: 'gpt-5' },
  { providerID: 'openrouter', modelID: 'google/gemini-2.5-pro' },
] as const;

/**
 * An OpenCode data folder: `storage/message/<session>/<message>.json`, user and
 * assistant messages, a message still streaming, a failed call with no
 * usage, a torn file, and a forked session that copies its parent's
 * messages under new ids.
 */
export function generateOpenCodeLogs(dir: string, options: GenerateOptions): ExpectedUsage {
  const dice = new Dice(options.seed ?? 4);
  const expected = emptyExpected();
  const id = (prefix: string) => `${prefix}_${dice.hex(26)}`;
  const sessions: { id: string; messages: Record<string, unknown>[] }[] = [];
  const writeMessage = (sessionId: string, message: Record<string, unknown>, text = JSON.stringify(message, null, 2)) => {
    const folder = join(dir, 'storage', 'message', sessionId);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${String(message.id)}.json`), text);
    expected.files += 1;
    expected.lines += 1;
  };
  let time = START;
  while (expected.responses < options.responses) {
    const sessionId = id('ses');
    const cwd = `/home/dev/web-${dice.int(1, 3)}`;
    const session = { id: sessionId, messages: [] as Record<string, unknown>[] };
    for (let turn = 0, turns = Math.min(dice.int(2, 20), options.responses - expected.responses); turn < turns; turn += 1) {
      time += dice.int(5, 600) * 1000;
      const prompt = { id: id('msg'), sessionID: sessionId, role: 'user', time: { created: time }, agent: 'build', model: { providerID: 'anthropic', modelID: 'claude-sonnet-4-5-20250929' } };
      writeMessage(sessionId, prompt);
      const { providerID, modelID } = dice.pick(OPENCODE_MODELS);
      const created = time + dice.int(50, 900);
      const completed = created + dice.int(500, 90_000);
      const tokens = { input: dice.int(10, 30_000), output: dice.int(5, 3_000), reasoning: dice.chance(0.5) ? dice.int(1, 2_000) : 0, cache: { read: dice.int(0, 100_000), write: providerID === 'anthropic' ? dice.int(0, 20_000) : 0 } };
      // Newer OpenCode logs the provider's total; where it leaves reasoning out, reasoning was inside output already.
      const shape = dice.int(0, 2);
      const inOutput = shape === 1;
      const total = shape === 0 ? undefined : tokens.input + tokens.cache.read + tokens.cache.write + tokens.output + (inOutput ? 0 : tokens.reasoning);
      const reply = { id: id('msg'), sessionID: sessionId, role: 'assistant', time: { created, completed }, parentID: prompt.id, modelID, providerID, mode: 'build', agent: 'build', path: { cwd, root: cwd }, cost: 0.01, tokens: { ...(total === undefined ? {} : { total }), ...tokens }, finish: 'stop' };
      writeMessage(sessionId, reply);
      session.messages.push(prompt, reply);
      expected.responses += 1;
      expected.input_tokens += tokens.input + tokens.cache.read + tokens.cache.write;
      expected.output_tokens += tokens.output + (inOutput ? 0 : tokens.reasoning);
      expected.cache_creation_tokens += tokens.cache.write;
      expected.cache_read_tokens += tokens.cache.read;
      expected.by_model[modelID] = (expected.by_model[modelID] ?? 0) + 1;
      time = completed;
    }
    const extra = { sessionID: sessionId, role: 'assistant', parentID: 'msg_x', modelID: 'gpt-5', providerID: 'openai', mode: 'build', agent: 'build', path: { cwd, root: cwd }, cost: 0 };
    if (dice.chance(0.2)) writeMessage(sessionId, { ...extra, id: id('msg'), time: { created: time + 10 }, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } } });
    if (dice.chance(0.2)) writeMessage(sessionId, { ...extra, id: id('msg'), time: { created: time + 20, completed: time + 30 }, error: { name: 'APIError', data: {} }, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } } });
    if (dice.chance(0.1)) {
      const torn = { ...extra, id: id('msg'), time: { created: time + 40, completed: time + 50 }, tokens: { input: 9, output: 9, reasoning: 0, cache: { read: 0, write: 0 } } };
      const text = JSON.stringify(torn);
      writeMessage(sessionId, torn, text.slice(0, text.length >> 1));
      expected.bad_lines += 1;
    }
    sessions.push(session);
  }
  const parent = sessions[0];
  if (parent) {
    // A fork copies the parent's messages up to a point into a new session, under new ids.
    const forkId = id('ses');
    const copied = parent.messages.slice(0, 2 * dice.int(1, parent.messages.length / 2));
    for (const message of copied) {
      writeMessage(forkId, { ...message, id: id('msg'), sessionID: forkId });
      if (message.role === 'assistant') expected.replayed += 1;
    }
  }
  return expected;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [source, dir, ...flags] = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const index = flags.indexOf(`--${name}`);
    return index === -1 ? fallback : Number(flags[index + 1]);
  };
  const generators: Record<string, { generate: (dir: string, options: GenerateOptions) => ExpectedUsage; seed: number }> = {
    claude: { generate: generateClaudeLogs, seed: 1 },
    codex: { generate: generateCodexLogs, seed: 2 },
    gemini: { generate: generateGeminiLogs, seed: 3 },
    opencode: { generate: generateOpenCodeLogs, seed: 4 },
  };
  const generator = source === undefined ? undefined : generators[source];
  if (!generator || !dir) {
    process.stderr.write(`usage: node scripts/generate-agent-logs.ts ${Object.keys(generators).join('|')} DIR [--responses N] [--seed N] [--sessions N] [--no-long-context]\n`);
    process.exit(2);
  }
  const expected = generator.generate(dir, { responses: flag('responses', 1000), seed: flag('seed', generator.seed), longContext: !process.argv.includes('--no-long-context'), sessions: flags.includes('--sessions') ? flag('sessions', 0) : undefined });
  // The per-response list is for tests; the sums are what a reader of this output compares.
  process.stdout.write(`${JSON.stringify(expected, (key, value: unknown) => (key === 'usages' ? undefined : value), 2)}\n`);
}
