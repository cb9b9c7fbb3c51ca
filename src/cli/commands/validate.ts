import { defineCommand } from 'citty';
import { formatFieldIssue, inspectLedger, readAllParts, type FieldIssue } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

const MAX_LISTED_PROBLEMS = 50;

interface Problem {
  /** Set for rows of a rotated part; rows of the live file leave it out. */
  file?: string;
  line: number;
  issues: FieldIssue[];
}

export default defineCommand({
  meta: { name: 'validate', description: 'Check the header and every row against the ledger rules; exit 1 on any problem' },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { path } = ledgerTarget(args.csv);
    const state = inspectLedger(path);
    const problems: Problem[] = [];
    const seen = new Map<string, number>();
    let rows = 0;
    let duplicates = 0;
    for await (const row of readAllParts(path)) {
      const file = row.file === path ? undefined : row.file;
      rows += 1;
      if (!row.ok) {
        problems.push({ file, line: row.line, issues: row.issues });
        continue;
      }
      const id = row.record.transaction_id;
      const firstLine = seen.get(id);
      if (firstLine === undefined) {
        seen.set(id, row.line);
        continue;
      }
      duplicates += 1;
      problems.push({ file, line: row.line, issues: [{ field: 'transaction_id', value: id, rule: `duplicates the row at line ${firstLine}` }] });
    }
    const invalid = problems.length - duplicates;
    const summary = { path, schema_version: state.version, rows, valid: rows - invalid - duplicates, invalid, duplicates };
    if (args.json) {
      printJson({ ...summary, ok: problems.length === 0, problems });
    } else {
      for (const problem of problems.slice(0, MAX_LISTED_PROBLEMS)) {
        for (const issue of problem.issues) process.stdout.write(`${problem.file ? `${problem.file} ` : ''}line ${problem.line}: ${formatFieldIssue(issue)}\n`);
      }
      if (problems.length > MAX_LISTED_PROBLEMS) {
        process.stdout.write(`... and ${problems.length - MAX_LISTED_PROBLEMS} more rows with problems (use --json for all)\n`);
      }
      const verdict = problems.length === 0 ? 'OK' : 'FAILED';
      process.stdout.write(
        `${verdict}: ${path} (schema v${state.version ?? '?'}): ${rows} rows, ${summary.valid} valid, ${invalid} invalid, ${duplicates} duplicate transaction ids\n`,
      );
    }
    return problems.length === 0 ? EXIT.ok : EXIT.invalid;
  },
});
