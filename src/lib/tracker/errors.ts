/**
 * The tracker's typed errors. Every error a user can see carries a stable
 * `code` (for scripts and tests), a message that says what was wrong and
 * where, and a `hint` that says what to do about it.
 */

export type TrackerErrorCode =
  | 'INVALID_RECORD'
  | 'INVALID_CONFIG'
  | 'INVALID_LEDGER'
  | 'INVALID_INPUT'
  | 'LEDGER_UNWRITABLE'
  | 'LOCK_TIMEOUT'
  | 'SPOOL_UNWRITABLE'
  | 'EXPORT_FAILED';

export class TrackerError extends Error {
  readonly code: TrackerErrorCode;
  readonly hint: string | undefined;

  constructor(code: TrackerErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TrackerError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** One broken rule: which field, the value it had, and the rule it broke. */
export interface FieldIssue {
  field: string;
  value: unknown;
  rule: string;
}

export function formatFieldIssue(issue: FieldIssue): string {
  return `${issue.field}: ${describeValue(issue.value)} ${issue.rule}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A record (or config) that breaks one or more rules; nothing was written for it. */
export class ValidationError extends TrackerError {
  readonly issues: readonly FieldIssue[];

  constructor(
    code: 'INVALID_RECORD' | 'INVALID_CONFIG',
    subject: string,
    issues: readonly FieldIssue[],
    hint?: string,
  ) {
    super(code, `${subject}:\n${issues.map((issue) => `  - ${formatFieldIssue(issue)}`).join('\n')}`, { hint });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}
