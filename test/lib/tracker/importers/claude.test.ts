import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAUDE_LONG_CONTEXT_MODEL, generateClaudeLogs, type ClaudeResponseUsage } from '../../../../scripts/generate-agent-logs.ts';
import { aggregateLedger } from '../../../../src/lib/tracker/index.ts';
import { claudeRecords } from '../../../../src/lib/tracker/importers/claude/parser.ts';
import { claudeTranscripts, sessionTranscripts } from '../../../../src/lib/tracker/importers/claude/paths.ts';
import { emptyReadStats, type ReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import { newImportSummary } from '../../../../src/lib/tracker/importers/writer.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { importRecords, importWorkspace, ledgerRecords, sums } from './helpers.ts';

const SESSION = '5b0c7f8e-1d1e-4a8e-9a47-3f1d2c0b9e11';

function assistant(id: string, request: string, output: number, stop: string | null, second: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'assistant',
    sessionId: SESSION,
    cwd: '/home/dev/shop',
    requestId: request,
    timestamp: `2026-05-01T10:00:${String(second).padStart(2, '0')}.000Z`,
    message: {
      id,
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: stop,
      usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: output },
    },
    ...extra,
  };
}

const user = (second: number) => ({ type: 'user', sessionId: SESSION, timestamp: `2026-05-01T10:00:${String(second).padStart(2, '0')}.000Z`, message: { role: 'user', content: 'go on' } });

function writeTranscript(lines: readonly (object | string)[]): string {
  const { root } = importWorkspace();
  const folder = join(root, 'claude', 'projects', '-home-dev-shop');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${SESSION}.jsonl`);
  writeFileSync(path, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);
  return path;
}

async function collect(files: readonly string[], options: { settleAll?: boolean } = {}): Promise<{ records: RecordInput[]; stats: ReadStats }> {
  const stats = emptyReadStats();
  const records: RecordInput[] = [];
  for await (const record of claudeRecords(files, stats, options)) records.push(record);
  return { records, stats };
}

describe('Claude Code transcript parsing', () => {
  const lines = [
    user(0),
    assistant('msg_A', 'req_A', 5, null, 2),
    assistant('msg_A', 'req_A', 50, null, 3),
    assistant('msg_A', 'req_A', 400, 'tool_use', 4),
    user(5),
    assistant('msg_B', 'req_B', 10, null, 7),
    assistant('msg_B', 'req_B', 90, null, 8),
    '{"type":"assistant","message":{"id":"msg_T","usa',
    { ...assistant('msg_S', 'req_S', 0, 'stop_sequence', 9), message: { id: 'msg_S', model: '<synthetic>', stop_reason: 'stop_sequence', usage: { input_tokens: 0, output_tokens: 0 } } },
    user(10),
    assistant('msg_C', 'req_C', 7, null, 12),
  ];

  it('keeps one record per response: the stop_reason line, else the largest output, never the first', async () => {
    const { records, stats } = await collect([writeTranscript(lines)]);
    expect(records.map((record) => [record.transaction_id, record.output_tokens])).toEqual([
      ['claude:msg_A:req_A', 400],
      ['claude:msg_B:req_B', 90],
    ]);
    expect(stats).toMatchObject({ files: 1, lines: lines.length, bad_lines: 1, responses: 2, skipped: { synthetic: 1, in_progress: 1 } });
  });

  it('counts all input, cache parts included, and measures elapsed from the line before the response', async () => {
    const { records } = await collect([writeTranscript(lines)]);
    expect(records[0]).toMatchObject({
      input_tokens: 1110,
      cache_creation_tokens: 100,
      cache_read_tokens: 1000,
      tokens_used: 1510,
      elapsed_time: 4,
      timestamp: '2026-05-01T10:00:04.000Z',
      session_id: SESSION,
      workspace_folder: 'shop',
      usage_source: 'transcript',
      hook_trigger_type: 'agentExecutionCompleted',
    });
  });

  it('reads the 1-hour part of the cache writes where the line splits them, and leaves it unknown where it does not', async () => {
    const split = assistant('msg_D', 'req_D', 40, 'end_turn', 2);
    split.message.usage = { ...split.message.usage, cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 70 } } as typeof split.message.usage;
    const { records } = await collect([writeTranscript([user(0), split, user(3), assistant('msg_E', 'req_E', 40, 'end_turn', 4), user(5)])]);
    expect(records.map((record) => [record.cache_creation_tokens, record.cache_creation_1h_tokens])).toEqual([
      [100, 70],
      [100, null],
    ]);
  });

  it('holds back the last response of a live transcript until it is complete', async () => {
    const path = writeTranscript(lines);
    expect((await collect([path], { settleAll: true })).records.map((record) => record.transaction_id)).toContain('claude:msg_C:req_C');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, old, old);
    expect((await collect([path])).records).toHaveLength(3);
  });

  it('hashes ids the ledger cannot hold instead of cutting them', async () => {
    const longSession = `session/${'x'.repeat(80)}`;
    const longId = `msg_${'y'.repeat(200)}`;
    const { records } = await collect([writeTranscript([assistant(longId, 'req_1', 3, 'end_turn', 1, { sessionId: longSession }), user(2)])]);
    const [record] = records;
    expect(record?.session_id).toMatch(/^h-[0-9a-f]{40}$/);
    expect(record?.transaction_id).toMatch(/^claude:h-[0-9a-f]{48}$/);
    const again = await collect([writeTranscript([assistant(`${longId}z`, 'req_1', 3, 'end_turn', 1, { sessionId: `${longSession}z` }), user(2)])]);
    expect(again.records[0]?.transaction_id).not.toBe(record?.transaction_id);
    expect(again.records[0]?.session_id).not.toBe(record?.session_id);
  });

  it("finds a session's subagent transcripts beside it", async () => {
    const path = writeTranscript([user(0)]);
    const subagents = join(path.replace(/\.jsonl$/, ''), 'subagents');
    mkdirSync(subagents, { recursive: true });
    writeFileSync(join(subagents, 'agent-1.jsonl'), '');
    expect(await sessionTranscripts(path, SESSION)).toEqual([path, join(subagents, 'agent-1.jsonl')]);
  });
});

describe('importing generated Claude Code history', () => {
  it('adds exactly the generated responses and sums, once', async () => {
    const { root, target } = importWorkspace();
    const expected = generateClaudeLogs(join(root, 'claude'), { responses: 400, seed: 7 });
    const files = await claudeTranscripts(join(root, 'claude'));
    const first = await importRecords(newImportSummary('claude', target.ledgerPath), (stats) => claudeRecords(files, stats), target);
    expect(first).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, added: expected.responses, rejected: 0 });
    const records = await ledgerRecords(target.ledgerPath);
    expect(records).toHaveLength(expected.responses);
    expect(sums(records)).toEqual({
      input_tokens: expected.input_tokens,
      output_tokens: expected.output_tokens,
      cache_creation_tokens: expected.cache_creation_tokens,
      cache_read_tokens: expected.cache_read_tokens,
    });
    expect(records.filter((record) => record.model === 'claude-lab-preview-x').every((record) => record.cost_usd === null)).toBe(true);
    expect(records.filter((record) => record.model !== 'claude-lab-preview-x').every((record) => (record.cost_usd ?? 0) > 0)).toBe(true);

    const second = await importRecords(newImportSummary('claude', target.ledgerPath), (stats) => claudeRecords(files, stats), target);
    expect(second.added).toBe(0);
    expect(second.duplicates).toBe(first.responses);
    expect(await ledgerRecords(target.ledgerPath)).toHaveLength(expected.responses);
  });
});

/**
 * Anthropic's list prices, USD per million tokens, written out here rather
 * than read from prices.json, so the ledger's cost is checked against an
 * independent computation: base input, 5-minute cache write (1.25x input),
 * 1-hour cache write (2x), cache read (0.1x), output.
 */
const LIST_PRICES: Record<string, { input: number; write5m: number; write1h: number; read: number; output: number }> = {
  'claude-sonnet-4-5-20250929': { input: 3, write5m: 3.75, write1h: 6, read: 0.3, output: 15 },
  'claude-opus-4-1-20250805': { input: 15, write5m: 18.75, write1h: 30, read: 1.5, output: 75 },
  'claude-haiku-4-5-20251001': { input: 1, write5m: 1.25, write1h: 2, read: 0.1, output: 5 },
  'claude-3-5-haiku-20241022': { input: 0.8, write5m: 1, write1h: 1.6, read: 0.08, output: 4 },
};
/** Sonnet 4.5 above 200k input tokens (the request's input, cache parts included): every token at these rates. */
const SONNET_LONG_CONTEXT = { input: 6, write5m: 7.5, write1h: 12, read: 0.6, output: 22.5 };

/** `flat`: the rule before cache durations and tiers were priced (every write at the 5-minute rate, no tier). */
function listPrice(usage: ClaudeResponseUsage, flat = false): number | null {
  const base = LIST_PRICES[usage.model];
  if (!base) return null;
  const input = usage.input_tokens + usage.cache_write_5m_tokens + usage.cache_write_1h_tokens + usage.cache_read_tokens;
  const rates = !flat && usage.model === CLAUDE_LONG_CONTEXT_MODEL && input > 200_000 ? SONNET_LONG_CONTEXT : base;
  return (
    (usage.input_tokens * rates.input +
      usage.cache_write_5m_tokens * rates.write5m +
      usage.cache_write_1h_tokens * (flat ? rates.write5m : rates.write1h) +
      usage.cache_read_tokens * rates.read +
      usage.output_tokens * rates.output) /
    1_000_000
  );
}

describe('the cost of imported Claude Code history', () => {
  it("equals Anthropic's list prices to the cent, 1-hour cache writes and long-context requests included", async () => {
    const { root, target } = importWorkspace();
    const expected = generateClaudeLogs(join(root, 'claude'), { responses: 600, seed: 11 });
    const inputOf = (usage: ClaudeResponseUsage) => usage.input_tokens + usage.cache_write_5m_tokens + usage.cache_write_1h_tokens + usage.cache_read_tokens;
    // The history holds what the test is about: both kinds of cache write, and long requests on either side of the threshold.
    expect(expected.usages.filter((usage) => usage.cache_write_1h_tokens > 0).length).toBeGreaterThan(20);
    expect(expected.usages.filter((usage) => usage.cache_write_5m_tokens > 0).length).toBeGreaterThan(20);
    const long = expected.usages.filter((usage) => usage.model === CLAUDE_LONG_CONTEXT_MODEL && inputOf(usage) > 200_000);
    expect(long.length).toBeGreaterThan(5);
    expect(expected.usages.some((usage) => usage.model === CLAUDE_LONG_CONTEXT_MODEL && inputOf(usage) > 170_000 && inputOf(usage) <= 200_000)).toBe(true);

    const files = await claudeTranscripts(join(root, 'claude'));
    const summary = await importRecords(newImportSummary('claude', target.ledgerPath), (stats) => claudeRecords(files, stats), target);
    expect(summary).toMatchObject({ added: expected.responses, rejected: 0 });
    const records = await ledgerRecords(target.ledgerPath);
    expect(records.reduce((total, record) => total + (record.cache_creation_1h_tokens ?? 0), 0)).toBe(expected.cache_creation_1h_tokens);

    const prices = expected.usages.map((usage) => listPrice(usage));
    const independent = prices.reduce<number>((total, price) => total + (price ?? 0), 0);
    const { report } = await aggregateLedger(target.ledgerPath, { aggregate: {} });
    expect(Math.round(report.totals.cost_usd * 100)).toBe(Math.round(independent * 100));
    expect(Math.abs(report.totals.cost_usd - independent)).toBeLessThan(1e-6);
    expect(report.totals.unpriced_transactions).toBe(prices.filter((price) => price === null).length);
    // The tier and the 1-hour rate matter here: the former flat rule would miss by more than a cent.
    const flat = expected.usages.reduce((total, usage) => total + (listPrice(usage, true) ?? 0), 0);
    expect(independent - flat).toBeGreaterThan(0.01);
  });
});
