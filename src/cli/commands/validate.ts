import { defineCommand } from 'citty';
import { formatFieldIssue, inspectLedger, readAllParts, type FieldIssue, type SchemaVersion } from '../../lib/tracker/index.ts';
import { ledgerSources } from '../_ledgers.ts';
import { csvListArg, EXIT, jsonArg, printJson } from '../_shared.ts';

const MAX_LISTED_PROBLEMS = 50;

interface Problem {
  /** Set for rows of a rotated part, and for every row when several ledgers are checked; rows of a lone live file leave it out. */
  file?: string;
  line: number;
  issues: FieldIssue[];
}

interface LedgerCheck {
  path: string;
  schema_version: SchemaVersion | null;
  rows: number;
  valid: number;
  invalid: number;
  duplicates: number;
  problems: Problem[];
}

/** Checks one ledger (parts and live file): every row's rules, and transaction ids repeated within it. */
async function checkLedger(path: string, nameEveryFile: boolean): Promise<LedgerCheck> {
  const state = inspectLedger(path);
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  let rows = 0;
  let duplicates = 0;
  for await (const row of readAllParts(path)) {
    const file = row.file === path && !nameEveryFile ? undefined : row.file;
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
  return { path, schema_version: state.version, rows, valid: rows - invalid - duplicates, invalid, duplicates, problems };
}

export default defineCommand({
  meta: { name: 'validate', description: 'Check the header and every row against the ledger rules; exit 1 on any problem' },
  args: { ...csvListArg, ...jsonArg },
  async run({ args }) {
    const { paths } = ledgerSources(args.csv);
    // Each ledger on its own: the same transaction in two users' ledgers is no defect of either (reports count it once).
    const checks: LedgerCheck[] = [];
    for (const path of paths) checks.push(await checkLedger(path, paths.length > 1));
    const problems = checks.flatMap((check) => check.problems);
    if (args.json) {
      const summary = ({ problems: _problems, ...rest }: LedgerCheck) => rest;
      if (checks.length === 1) printJson({ ...summary(checks[0]!), ok: problems.length === 0, problems });
      else {
        const sum = (field: 'rows' | 'valid' | 'invalid' | 'duplicates') => checks.reduce((total, check) => total + check[field], 0);
        printJson({ ledgers: checks.map(summary), rows: sum('rows'), valid: sum('valid'), invalid: sum('invalid'), duplicates: sum('duplicates'), ok: problems.length === 0, problems });
      }
      return problems.length === 0 ? EXIT.ok : EXIT.invalid;
    }
    for (const problem of problems.slice(0, MAX_LISTED_PROBLEMS)) {
      for (const issue of problem.issues) process.stdout.write(`${problem.file ? `${problem.file} ` : ''}line ${problem.line}: ${formatFieldIssue(issue)}\n`);
    }
    if (problems.length > MAX_LISTED_PROBLEMS) {
      process.stdout.write(`... and ${problems.length - MAX_LISTED_PROBLEMS} more rows with problems (use --json for all)\n`);
    }
    for (const check of checks) {
      const verdict = check.problems.length === 0 ? 'OK' : 'FAILED';
      process.stdout.write(
        `${verdict}: ${check.path} (schema v${check.schema_version ?? '?'}): ${check.rows} rows, ${check.valid} valid, ${check.invalid} invalid, ${check.duplicates} duplicate transaction ids\n`,
      );
    }
    return problems.length === 0 ? EXIT.ok : EXIT.invalid;
  },
});
