/**
 * Deterministic Claude Code and Codex CLI logs, shaped like the real ones,
 * with the awkward parts an importer must get right: one response streamed
 * over several lines whose output grows, torn lines, synthetic messages,
 * subagent transcripts, a resumed session that repeats earlier responses,
 * cache writes split into 5-minute and 1-hour parts (or not split, as older
 * Claude Code versions log them), requests above a model's long-context
 * threshold, Codex's repeated token_count events. Each generator returns its own sums,
 * which the tests and the import benchmark compare against.
 *
 *   node scripts/generate-agent-logs.ts claude|codex DIR [--responses N] [--seed N]
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
  return { files: 0, lines: 0, bad_lines: 0, responses: 0, input_tokens: 0, output_tokens: 0, cache_creation_tokens: 0, cache_read_tokens: 0, by_model: {} };
}

export interface GenerateOptions {
  /** About how many distinct responses (Claude) or turns (Codex) to write. */
  responses: number;
  seed?: number;
}

const START = Date.parse('2025-06-02T09:00:00.000Z');
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
function claudeResponse(dice: Dice, base: Record<string, unknown>, time: number, openEnded: boolean): ClaudeResponseLines {
  const model = dice.pick(CLAUDE_MODELS);
  const messageId = `msg_01${dice.hex(22)}`;
  const requestId = `req_011C${dice.hex(20)}`;
  const long = model === CLAUDE_LONG_CONTEXT_MODEL && dice.chance(0.15);
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
  for (let index = 0; written < options.responses; index += 1) {
    const projectName = `proj-${index % 4}`;
    const cwd = `/home/dev/${projectName}`;
    const project = join(dir, 'projects', cwd.replaceAll('/', '-'));
    mkdirSync(project, { recursive: true });
    const sessionId = dice.uuid();
    const base = { parentUuid: null, isSidechain: false, userType: 'external', cwd, sessionId, version: '2.0.14', gitBranch: 'main' };
    const file = new LogFile(expected);
    const session = { project, cwd, sessionId, file, responses: [] as ClaudeResponseLines[] };
    const turns = Math.min(dice.int(5, 40), options.responses - written);
    for (let turn = 0; turn < turns; turn += 1) {
      time += dice.int(5, 600) * 1000;
      file.add({ ...base, type: 'user', uuid: dice.uuid(), timestamp: new Date(time).toISOString(), message: { role: 'user', content: `Prompt ${turn}: fix the "parser", then test` } });
      // Some responses never get a stop_reason; a later line in the file shows they are complete.
      const response = claudeResponse(dice, base, time, dice.chance(0.2));
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
        const response = claudeResponse(dice, agentBase, time, false);
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

/** A Codex home folder: `<dir>/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`. */
export function generateCodexLogs(dir: string, options: GenerateOptions): ExpectedUsage {
  const dice = new Dice(options.seed ?? 2);
  const expected = emptyExpected();
  let time = START;
  let written = 0;
  while (written < options.responses) {
    time += dice.int(5, 90) * 60_000;
    const start = new Date(time);
    const iso = start.toISOString();
    const folder = join(dir, 'sessions', iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
    mkdirSync(folder, { recursive: true });
    const sessionId = dice.uuid();
    const cwd = `/home/dev/service-${dice.int(1, 3)}`;
    const file = new LogFile(expected);
    const stamp = () => new Date(time).toISOString();
    file.add({ timestamp: stamp(), type: 'session_meta', payload: { id: sessionId, timestamp: stamp(), cwd, originator: 'codex_cli_rs', cli_version: '0.63.0', source: 'cli', model_provider: 'openai' } });
    // Before the first model call Codex reports rate limits only, with no usage info.
    file.add({ timestamp: stamp(), type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 1 } } } });
    const total: CodexTotals = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
    const model = dice.pick(CODEX_MODELS);
    for (let turn = 0, turns = Math.min(dice.int(3, 30), options.responses - written); turn < turns; turn += 1) {
      time += dice.int(2, 120) * 1000;
      file.add({ timestamp: stamp(), type: 'turn_context', payload: { cwd, model, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' } } });
      file.add({ timestamp: stamp(), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `Turn ${turn}` }] } });
      time += dice.int(1, 90) * 1000;
      const input = dice.int(2_000, 120_000);
      const cached = dice.int(0, input);
      const reasoning = dice.int(0, 800);
      const output = reasoning + dice.int(10, 2_000);
      const last: CodexTotals = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output };
      for (const key of Object.keys(total) as (keyof CodexTotals)[]) total[key] += last[key];
      const event = { timestamp: stamp(), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { ...total }, last_token_usage: last, model_context_window: 272_000 } } };
      file.add(event);
      // Codex sends the same counts again with a rate-limit update; that is not a new turn.
      if (dice.chance(0.3)) file.add({ ...event, timestamp: new Date(time + 50).toISOString() });
      if (dice.chance(0.03)) file.torn(event);
      expected.responses += 1;
      expected.input_tokens += input;
      expected.output_tokens += output;
      expected.cache_read_tokens += cached;
      expected.by_model[model] = (expected.by_model[model] ?? 0) + 1;
      written += 1;
    }
    file.write(join(folder, `rollout-${iso.slice(0, 19).replaceAll(':', '-')}-${sessionId}.jsonl`));
  }
  return expected;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [source, dir, ...flags] = process.argv.slice(2);
  const flag = (name: string, fallback: number) => {
    const index = flags.indexOf(`--${name}`);
    return index === -1 ? fallback : Number(flags[index + 1]);
  };
  if ((source !== 'claude' && source !== 'codex') || !dir) {
    process.stderr.write('usage: node scripts/generate-agent-logs.ts claude|codex DIR [--responses N] [--seed N]\n');
    process.exit(2);
  }
  const generate = source === 'claude' ? generateClaudeLogs : generateCodexLogs;
  const expected = generate(dir, { responses: flag('responses', 1000), seed: flag('seed', source === 'claude' ? 1 : 2) });
  // The per-response list is for tests; the sums are what a reader of this output compares.
  process.stdout.write(`${JSON.stringify(expected, (key, value: unknown) => (key === 'usages' ? undefined : value), 2)}\n`);
}
