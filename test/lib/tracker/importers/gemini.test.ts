import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateGeminiLogs } from '../../../../scripts/generate-agent-logs.ts';
import { geminiRecords } from '../../../../src/lib/tracker/importers/gemini/parser.ts';
import { geminiDir, geminiSessionFiles } from '../../../../src/lib/tracker/importers/gemini/paths.ts';
import { emptyReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { expectedSums, importRun, importWorkspace, ledgerRecords, sums } from './helpers.ts';

const SESSION = '7c1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const tokens = { input: 1200, output: 80, cached: 1000, thoughts: 40, tool: 30, total: 1350 };

describe('Gemini CLI chat recordings', () => {
  it('keeps the last version of each reply that has tokens, counts thoughts as output and the tool prompt as input', async () => {
    const { root } = importWorkspace();
    const chats = join(root, '.gemini', 'tmp', 'a'.repeat(64), 'chats');
    mkdirSync(chats, { recursive: true });
    const prompt = { id: 'u1', timestamp: '2026-05-01T10:00:00.000Z', type: 'user', content: [{ text: 'hi' }] };
    const reply = { id: 'g1', timestamp: '2026-05-01T10:00:04.000Z', type: 'gemini', content: 'ok', model: 'gemini-2.5-pro' };
    const lines = [
      { sessionId: SESSION, projectHash: 'a'.repeat(64), startTime: prompt.timestamp, lastUpdated: prompt.timestamp },
      prompt,
      { ...reply, tokens: null },
      { ...reply, tokens },
      { $set: { lastUpdated: '2026-05-01T10:00:05.000Z' } },
      { ...reply, tokens, toolCalls: [{ id: 't1', name: 'ls', args: {}, status: 'success', timestamp: reply.timestamp }] },
      { $rewindTo: 'u1' },
    ];
    writeFileSync(join(chats, 'session-2026-05-01T10-00-7c1e2f3a.jsonl'), `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"id":"g2","ty`);
    // The same session as an older .json document, as it was before Gemini CLI resumed it into the .jsonl file.
    writeFileSync(join(chats, 'session-2026-05-01T10-00-7c1e2f3a.json'), JSON.stringify({ sessionId: SESSION, projectHash: 'a'.repeat(64), messages: [prompt, { ...reply, tokens }] }));

    const stats = emptyReadStats();
    const records: RecordInput[] = [];
    for await (const record of geminiRecords(await geminiSessionFiles(join(root, '.gemini')), stats)) records.push(record);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      transaction_id: `gemini:${SESSION}:g1`,
      session_id: SESSION,
      model: 'gemini-2.5-pro',
      input_tokens: 1230,
      output_tokens: 120,
      cache_read_tokens: 1000,
      cache_creation_tokens: 0,
      tokens_used: tokens.total,
      elapsed_time: 4,
      workspace_folder: 'gemini-cli',
      usage_source: 'transcript',
    });
    expect(records[1]?.transaction_id).toBe(records[0]?.transaction_id);
    expect(stats).toMatchObject({ files: 2, lines: 9, bad_lines: 1, responses: 2 });
  });

  it('finds ~/.gemini under GEMINI_CLI_HOME', () => {
    expect(geminiDir({ GEMINI_CLI_HOME: '/srv/me' })).toBe('/srv/me/.gemini');
  });
});

describe('importing generated Gemini CLI history', () => {
  it('adds exactly the generated replies and sums, once', async () => {
    const { root, target } = importWorkspace();
    const expected = generateGeminiLogs(join(root, 'gemini'), { responses: 300, seed: 12 });
    const run = importRun('gemini', geminiRecords, await geminiSessionFiles(join(root, 'gemini')), target);
    const first = await run();
    expect(first).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, added: expected.responses, rejected: 0 });
    const records = await ledgerRecords(target.ledgerPath);
    expect(sums(records)).toEqual(expectedSums(expected));
    const byModel: Record<string, number> = {};
    for (const record of records) byModel[record.model] = (byModel[record.model] ?? 0) + 1;
    expect(byModel).toEqual(expected.by_model);
    const second = await run();
    expect(second.added).toBe(0);
    expect(second.duplicates).toBe(first.responses);
  });
});
