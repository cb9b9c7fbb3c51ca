import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCodexLogs } from '../../../../scripts/generate-agent-logs.ts';
import { codexRecords } from '../../../../src/lib/tracker/importers/codex/parser.ts';
import { codexRollouts } from '../../../../src/lib/tracker/importers/codex/paths.ts';
import { emptyReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { expectedSums, importRun, importWorkspace, ledgerRecords, sums } from './helpers.ts';

const SESSION = '019add38-07f3-7e93-ae71-3e0095eb0315';

function usage(input: number, cached: number, output: number) {
  return { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output };
}

function tokenCount(time: string, total: ReturnType<typeof usage>, last?: ReturnType<typeof usage>) {
  return { timestamp: time, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: total, ...(last ? { last_token_usage: last } : {}) } } };
}

describe('Codex rollout parsing', () => {
  it('records each turn once from last_token_usage, or from the growth of the total when that is all there is', async () => {
    const { root } = importWorkspace();
    const folder = join(root, 'codex', 'sessions', '2026', '05', '01');
    mkdirSync(folder, { recursive: true });
    const lines = [
      { timestamp: '2026-05-01T10:00:00.000Z', type: 'session_meta', payload: { id: SESSION, cwd: '/home/dev/api' } },
      { timestamp: '2026-05-01T10:00:01.000Z', type: 'turn_context', payload: { model: 'gpt-5-codex', cwd: '/home/dev/api' } },
      tokenCount('2026-05-01T10:00:09.000Z', usage(1000, 400, 50), usage(1000, 400, 50)),
      tokenCount('2026-05-01T10:00:09.100Z', usage(1000, 400, 50), usage(1000, 400, 50)),
      { timestamp: '2026-05-01T10:01:00.000Z', type: 'turn_context', payload: { model: 'gpt-5-codex' } },
      tokenCount('2026-05-01T10:01:30.000Z', usage(3500, 1400, 80)),
      '{"timestamp":"2026-05-01T10:02:00.000Z","type":"event_msg","payl',
    ];
    const path = join(folder, `rollout-2026-05-01T10-00-00-${SESSION}.jsonl`);
    writeFileSync(path, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);

    const stats = emptyReadStats();
    const records: RecordInput[] = [];
    for await (const record of codexRecords(await codexRollouts(join(root, 'codex')), stats)) records.push(record);
    expect(records.map((record) => [record.input_tokens, record.cache_read_tokens, record.output_tokens, record.elapsed_time])).toEqual([
      [1000, 400, 50, 8],
      [2500, 1000, 30, 30],
    ]);
    expect(records[0]).toMatchObject({ model: 'gpt-5-codex', session_id: SESSION, workspace_folder: 'api', tokens_used: 1050, cache_creation_tokens: 0, usage_source: 'transcript' });
    expect(stats).toMatchObject({ files: 1, lines: 7, bad_lines: 1, responses: 2, skipped: { repeated: 1 } });
  });
});

function rollout(folder: string, id: string, lines: readonly unknown[]): string {
  const path = join(folder, `rollout-2026-05-01T10-00-00-${id}.jsonl`);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

describe('Codex forks and spawned subagents', () => {
  const PARENT = '019add38-0000-7000-8000-000000000001';
  const FORK = '019add38-0000-7000-8000-000000000002';
  const SPAWNED = '019add38-0000-7000-8000-000000000003';
  const parentLines = [
    { timestamp: '2026-05-01T10:00:00.000Z', type: 'session_meta', payload: { id: PARENT, cwd: '/home/dev/api' } },
    { timestamp: '2026-05-01T10:00:01.000Z', type: 'turn_context', payload: { model: 'gpt-5-codex' } },
    tokenCount('2026-05-01T10:00:05.000Z', usage(1000, 400, 50), usage(1000, 400, 50)),
    tokenCount('2026-05-01T10:00:09.000Z', usage(2500, 1000, 80), usage(1500, 600, 30)),
  ];
  // `codex fork` copies the parent's lines, its session_meta included, under the fork's own session_meta.
  const forkLines = [
    { timestamp: '2026-05-01T11:00:00.000Z', type: 'session_meta', payload: { id: FORK, forked_from_id: PARENT, cwd: '/home/dev/api' } },
    ...parentLines.map((line) => ({ ...line, timestamp: '2026-05-01T11:00:00.000Z' })),
    tokenCount('2026-05-01T11:00:30.000Z', usage(4500, 2000, 120), usage(2000, 1000, 40)),
  ];
  // A spawned subagent names its parent in source and copies the token counts only.
  const spawnedLines = [
    { timestamp: '2026-05-01T12:00:00.000Z', type: 'session_meta', payload: { id: SPAWNED, cwd: '/home/dev/api', source: { subagent: { thread_spawn: { parent_thread_id: PARENT, depth: 1 } } } } },
    parentLines[2],
    tokenCount('2026-05-01T12:00:20.000Z', usage(1700, 400, 60), usage(700, 0, 10)),
  ];

  async function read(files: string[]): Promise<{ records: RecordInput[]; stats: ReturnType<typeof emptyReadStats> }> {
    const stats = emptyReadStats();
    const records: RecordInput[] = [];
    for await (const record of codexRecords(files, stats)) records.push(record);
    return { records, stats };
  }

  it('adds the parent\'s turns once and each child\'s own turns under the child\'s session', async () => {
    const { root } = importWorkspace();
    const files = [rollout(root, PARENT, parentLines), rollout(root, FORK, forkLines), rollout(root, SPAWNED, spawnedLines)];
    const { records, stats } = await read(files);
    expect(records.map((record) => [record.session_id, record.input_tokens, record.output_tokens])).toEqual([
      [PARENT, 1000, 50],
      [PARENT, 1500, 30],
      [FORK, 2000, 40],
      [SPAWNED, 700, 10],
    ]);
    expect(stats.skipped).toEqual({ replayed: 3 });
    // Read in the other order, the copies are what is skipped: the same turns, the same ids.
    const reversed = await read([...files].reverse());
    expect(reversed.records.map((record) => record.transaction_id).sort()).toEqual(records.map((record) => record.transaction_id).sort());
  });

  it('reads archived sessions too, and a session both live and archived once', async () => {
    const { root } = importWorkspace();
    const live = join(root, 'sessions', '2026', '05', '01');
    const archived = join(root, 'archived_sessions');
    mkdirSync(live, { recursive: true });
    mkdirSync(archived, { recursive: true });
    const files = [rollout(live, PARENT, parentLines), rollout(archived, PARENT, parentLines), rollout(archived, FORK, forkLines)];
    expect(await codexRollouts(root)).toEqual([...files].sort());
    const { records } = await read(await codexRollouts(root));
    expect(records.map((record) => record.input_tokens)).toEqual([1000, 1500, 2000]);
  });

  it('keeps a fork\'s copied turns when the parent\'s own log is gone: that usage happened once', async () => {
    const { root } = importWorkspace();
    const { records } = await read([rollout(root, FORK, forkLines)]);
    expect(records.map((record) => record.input_tokens)).toEqual([1000, 1500, 2000]);
  });
});

describe('Codex turn counting, for any re-emits, fork point and copied part', () => {
  const turnArbitrary = fc.record({ input: fc.integer({ min: 1, max: 100_000 }), cached: fc.integer({ min: 0, max: 100 }), output: fc.integer({ min: 1, max: 5_000 }), reemits: fc.integer({ min: 0, max: 3 }) });

  it('adds every turn once: the parent\'s, and the child\'s own after the copied history, in either reading order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(turnArbitrary, { minLength: 1, maxLength: 10 }),
        fc.array(turnArbitrary, { maxLength: 5 }),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        async (parentTurns, childTurns, forkSeed, suffixSeed, isFork, childFirst) => {
          const folder = mkdtempSync(join(tmpdir(), 'tl-codex-prop-'));
          const parentId = '019add38-1111-7000-8000-000000000001';
          const childId = '019add38-1111-7000-8000-000000000002';
          const total = usage(0, 0, 0);
          const events = (turns: typeof parentTurns, second: number) =>
            turns.flatMap((turn, index) => {
              const last = usage(turn.input, Math.floor((turn.input * turn.cached) / 100), turn.output);
              for (const field of ['input_tokens', 'cached_input_tokens', 'output_tokens', 'total_tokens'] as const) total[field] += last[field];
              const event = tokenCount(`2026-05-01T10:${String(second + index).padStart(2, '0')}:00.000Z`, { ...total }, last);
              return Array.from({ length: 1 + turn.reemits }, () => event);
            });
          const parentLines = [{ timestamp: '2026-05-01T10:00:00.000Z', type: 'session_meta', payload: { id: parentId } }, ...events(parentTurns, 1)];
          // The copy is the parent's history up to the fork point, or only its last turns before it.
          const end = 1 + (forkSeed % parentLines.length);
          const copied = [...parentLines.slice(0, 1), ...parentLines.slice(1 + (suffixSeed % end), end)];
          // The child's own totals go on from the last copied one, as Codex seeds them.
          const lastCopied = copied.flatMap((line) => ('info' in line.payload ? [line.payload.info.total_token_usage] : [])).at(-1);
          Object.assign(total, lastCopied ?? usage(0, 0, 0));
          const link = isFork ? { forked_from_id: parentId } : { source: { subagent: { thread_spawn: { parent_thread_id: parentId } } } };
          const childLines = [
            { timestamp: '2026-05-01T11:00:00.000Z', type: 'session_meta', payload: { id: childId, ...link } },
            ...(isFork ? copied : copied.slice(1)),
            ...events(childTurns, 30),
          ];
          const files = [rollout(folder, parentId, parentLines), rollout(folder, childId, childLines)];
          const stats = emptyReadStats();
          const records: RecordInput[] = [];
          for await (const record of codexRecords(childFirst ? files.reverse() : files, stats)) records.push(record);
          const turns = [...parentTurns, ...childTurns];
          expect(records).toHaveLength(turns.length);
          expect(records.reduce((sum, record) => sum + Number(record.input_tokens), 0)).toBe(turns.reduce((sum, turn) => sum + turn.input, 0));
          expect(records.reduce((sum, record) => sum + Number(record.output_tokens), 0)).toBe(turns.reduce((sum, turn) => sum + turn.output, 0));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('importing generated Codex history', () => {
  it('adds exactly the generated turns and sums, once', async () => {
    const { root, target } = importWorkspace();
    const expected = generateCodexLogs(join(root, 'codex'), { responses: 300, seed: 11 });
    const run = importRun('codex', codexRecords, await codexRollouts(join(root, 'codex')), target);
    const first = await run();
    expect(expected.replayed).toBeGreaterThan(0);
    expect(first).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, responses: expected.responses, added: expected.responses });
    expect(first.skipped.replayed).toBe(expected.replayed);
    const records = await ledgerRecords(target.ledgerPath);
    expect(sums(records)).toEqual(expectedSums(expected));
    expect(records.every((record) => record.cost_usd !== null)).toBe(true);
    const second = await run();
    expect(second).toMatchObject({ added: 0, duplicates: expected.responses });
  });
});
