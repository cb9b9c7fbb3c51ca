/**
 * Turns zod's verdict on a candidate record into a typed record or a
 * ValidationError whose every line names the field, the value and the rule.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { ValidationError, type FieldIssue } from './errors.ts';
import { ledgerRecordSchema, type LedgerRecord, type RecordRuleContext } from './schema.ts';

// zod/mini sets no locale, so a rule without its own message would read just "Invalid input".
// Install the English messages classic zod defaults to, unless the host application chose a locale.
if (!z.config().localeError) z.config(en());

export function issuesFromZod(error: z.core.$ZodError, input: unknown): FieldIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(record)';
    return { field, value: valueAt(input, issue.path), rule: issue.message };
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export type RecordCheck = { ok: true; record: LedgerRecord } | { ok: false; issues: FieldIssue[] };

// zod compiles a schema on its first parse; reading a ledger checks every row
// against one context, so build its schema once (a 250k-row report: 37 s -> 4 s).
const schemaByContext = new WeakMap<RecordRuleContext, ReturnType<typeof ledgerRecordSchema>>();

function schemaFor(context: RecordRuleContext): ReturnType<typeof ledgerRecordSchema> {
  let schema = schemaByContext.get(context);
  if (!schema) {
    schema = ledgerRecordSchema(context);
    schemaByContext.set(context, schema);
  }
  return schema;
}

/** Checks a candidate against every rule without throwing. */
export function checkRecord(candidate: unknown, context: RecordRuleContext): RecordCheck {
  const result = schemaFor(context).safeParse(candidate);
  return result.success ? { ok: true, record: result.data } : { ok: false, issues: issuesFromZod(result.error, candidate) };
}

/** Returns the valid record, or throws a ValidationError listing every broken rule. */
export function validateRecord(candidate: unknown, context: RecordRuleContext): LedgerRecord {
  const check = checkRecord(candidate, context);
  if (check.ok) return check.record;
  throw new ValidationError(
    'INVALID_RECORD',
    'The record was rejected and nothing was written',
    check.issues,
    'Fix the listed fields and run the command again; `token-ledger record --help` lists every flag.',
  );
}
