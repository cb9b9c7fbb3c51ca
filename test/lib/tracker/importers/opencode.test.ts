import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateOpenCodeLogs } from '../../../../scripts/generate-agent-logs.ts';
import { emptyReadStats } from '../../../../src/lib/tracker/importers/jsonl.ts';
import { openCodeRecords } from '../../../../src/lib/tracker/importers/opencode/parser.ts';
import { openCodeDataDir, openCodeMessageFiles } from '../../../../src/lib/tracker/importers/opencode/paths.ts';
import type { RecordInput } from '../../../../src/lib/tracker/record/record.ts';
import { expectedSums, importRun, importWorkspace, ledgerRecords, sums } from './helpers.ts';

function assistant(id: string, session: string, tokens: Record<string, unknown>, completed: number | undefined) {
  return {
    id,
    sessionID: session,
    role: 'assistant',
    time: { created: 1_780_000_000_000, ...(completed === undefined ? {} : { completed }) },
    parentID: 'msg_user',
    modelID: 'claude-sonnet-4-5-20250929',
    providerID: 'anthropic',
    mode: 'build',
    agent: 'build',
    path: { cwd: '/home/dev/web', root: '/home/dev/web' },
    cost: 0.02,
    tokens,
  };
}

describe('OpenCode message files', () => {
  it('adds cache parts to input, reasoning to output unless the total shows it inside, and skips copies and unfinished messages', async () => {
    const { root } = importWorkspace();
    const write = (session: string, message: { id: string }) => {
      mkdirSync(join(root, 'storage', 'message', session), { recursive: true });
      writeFileSync(join(root, 'storage', 'message', session, `${message.id}.json`), JSON.stringify(message));
    };
    const counts = { input: 100, output: 50, reasoning: 20, cache: { read: 1000, write: 300 } };
    write('ses_a', assistant('msg_1', 'ses_a', counts, 1_780_000_004_000));
    write('ses_a', assistant('msg_2', 'ses_a', { ...counts, total: 1450 }, 1_780_000_009_000));
    write('ses_a', assistant('msg_3', 'ses_a', counts, undefined));
    // A fork's copy of msg_1: a new id and session, the same times and counts.
    write('ses_b', { ...assistant('msg_9', 'ses_b', counts, 1_780_000_004_000) });

    const stats = emptyReadStats();
    const records: RecordInput[] = [];
    for await (const record of openCodeRecords(await openCodeMessageFiles(root), stats)) records.push(record);
    expect(records.map((record) => [record.input_tokens, record.output_tokens, record.cache_read_tokens, record.cache_creation_tokens, record.elapsed_time])).toEqual([
      [1400, 70, 1000, 300, 4],
      [1400, 50, 1000, 300, 9],
    ]);
    expect(records[0]).toMatchObject({ session_id: 'ses_a', model: 'claude-sonnet-4-5-20250929', workspace_folder: 'web', timestamp: '2026-05-28T20:26:44.000Z', usage_source: 'transcript' });
    expect(stats).toMatchObject({ files: 4, responses: 2, skipped: { in_progress: 1, replayed: 1 } });
  });

  it('finds the data folder under XDG_DATA_HOME', () => {
    expect(openCodeDataDir({ XDG_DATA_HOME: '/data' })).toBe('/data/opencode');
  });
});

describe('importing generated OpenCode history', () => {
  it('adds exactly the generated messages and sums, once', async () => {
    const { root, target } = importWorkspace();
    const expected = generateOpenCodeLogs(join(root, 'opencode'), { responses: 300, seed: 13 });
    const run = importRun('opencode', openCodeRecords, await openCodeMessageFiles(join(root, 'opencode')), target);
    const first = await run();
    expect(expected.replayed).toBeGreaterThan(0);
    expect(first).toMatchObject({ files: expected.files, lines: expected.lines, bad_lines: expected.bad_lines, responses: expected.responses, added: expected.responses, rejected: 0 });
    expect(first.skipped.replayed).toBe(expected.replayed);
    expect(sums(await ledgerRecords(target.ledgerPath))).toEqual(expectedSums(expected));
    const second = await run();
    expect(second).toMatchObject({ added: 0, duplicates: expected.responses });
  });
});
