import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateLedger, formatRows, headerLine } from '../../src/lib/tracker/index.ts';
import { runCli, tempWorkspace } from '../helpers/cli.ts';
import { NOW, mixedRecords } from '../helpers/records.ts';

describe('report output through a pipe', () => {
  it('writes all of a report larger than a pipe holds before the process ends', async () => {
    const root = tempWorkspace('tl-report-output-');
    const ledger = join(root, 'ledger.csv');
    // One session per row: `--by session` then prints a group per row, far more than a pipe's 64 KiB.
    const records = mixedRecords(2000).map((record, index) => ({ ...record, session_id: `session-${index}` }));
    writeFileSync(ledger, headerLine(3) + formatRows(records, 3));
    const result = await runCli(['report', '--by', 'session', '--json', '--csv', ledger], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(4 * 65_536);
    const printed = JSON.parse(result.stdout) as { groups: { key: string }[] };
    const expected = await aggregateLedger(ledger, { aggregate: { groupBy: ['session'] }, now: NOW, cache: false });
    expect(printed.groups.map((group) => group.key).sort()).toEqual(expected.report.groups.session!.map((group) => group.key).sort());
  });
});
