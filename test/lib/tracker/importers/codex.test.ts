import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCodexLogs } from '../../../../scripts/generate-agent-logs.ts';
import { codexRecords } from '../../../../src/lib/tracker/importers/codex/parser.ts';
import { codexRollouts } from '../../../../src/lib/tracker/importers/codex/paths.ts';
import { emptyReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import { importRecords, newImportSummary } from '../../../../src/lib/tracker/importers/writer.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { importWorkspace, ledgerRecords, sums } from './helpers.ts';

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
    writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'));

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

describe('importing generated Codex history', () => {
  it('adds exactly the generated turns and sums, once', async () => {
    const { root, target } = importWorkspace();
    const expected = generateCodexLogs(join(root, 'codex'), { responses: 300, seed: 11 });
    const files = await codexRollouts(join(root, 'codex'));
    const first = await importRecords(newImportSummary('codex', target.ledgerPath), (stats) => codexRecords(files, stats), target);
    expect(first).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, responses: expected.responses, added: expected.responses });
    const records = await ledgerRecords(target.ledgerPath);
    expect(sums(records)).toEqual({
      input_tokens: expected.input_tokens,
      output_tokens: expected.output_tokens,
      cache_creation_tokens: 0,
      cache_read_tokens: expected.cache_read_tokens,
    });
    expect(records.every((record) => record.cost_usd !== null)).toBe(true);
    const second = await importRecords(newImportSummary('codex', target.ledgerPath), (stats) => codexRecords(files, stats), target);
    expect(second).toMatchObject({ added: 0, duplicates: expected.responses });
  });
});
