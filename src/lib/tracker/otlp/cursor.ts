/**
 * The OTLP export's cursor: a small JSON file beside the ledger saying which
 * rows have reached the collector. Rows keep their order through rotation
 * (the live file becomes the newest part, new rows follow it) and through
 * rewrites (purge, erase, repair and migrate only drop or convert rows), so
 * everything after the last row sent is new. The cursor keeps the ids of the
 * last rows sent, not only the last one, so an export still finds its place
 * when erase or purge removed the very last row it sent.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { replaceFileAtomically } from '../ledger/atomic.ts';
import { readAllParts } from '../ledger/parts.ts';
import { TrackerError, formatFieldIssue } from '../errors.ts';
import { issuesFromZod } from '../validate.ts';

/** How many of the last ids sent the cursor keeps. */
export const CURSOR_RECENT_IDS = 256;

export const otlpCursorSchema = z.object({
  version: z.literal(1, { error: 'must be 1' }),
  sent: z.int({ error: 'must be a whole number' }).check(z.minimum(0, { error: 'must not be negative' })),
  recent_transaction_ids: z.array(z.string({ error: 'must be text' }), { error: 'must be a list of transaction ids' }),
  updated_at: z.string({ error: 'must be text' }),
});

export type OtlpCursor = z.output<typeof otlpCursorSchema>;

export const EMPTY_CURSOR: OtlpCursor = { version: 1, sent: 0, recent_transaction_ids: [], updated_at: '' };

export function otlpCursorPathFor(ledgerPath: string): string {
  return `${ledgerPath}.otlp-cursor.json`;
}

const RESET_HINT = 'Delete the cursor file to send every row again (a collector that already has them then counts them twice).';

/** The cursor at `path`; a missing file is a cursor that has sent nothing. */
export function readCursor(path: string): OtlpCursor {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_CURSOR;
    throw new TrackerError('INVALID_INPUT', `Cannot read the OTLP cursor ${path}: ${(error as Error).message}`, { hint: 'Check the file\'s permissions.', cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TrackerError('INVALID_INPUT', `The OTLP cursor ${path} is not valid JSON`, { hint: RESET_HINT, cause: error });
  }
  const parsed = otlpCursorSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error, raw).map(formatFieldIssue).join('; ');
    throw new TrackerError('INVALID_INPUT', `The OTLP cursor ${path} is not a token-ledger cursor: ${issues}`, { hint: RESET_HINT });
  }
  return parsed.data;
}

export async function writeCursor(path: string, cursor: OtlpCursor): Promise<void> {
  await replaceFileAtomically(path, [`${JSON.stringify(cursor, null, 2)}\n`]);
}

/** The cursor once `ids` (in ledger order) have reached the collector. */
export function advanceCursor(cursor: OtlpCursor, ids: readonly string[], now: Date): OtlpCursor {
  return {
    version: 1,
    sent: cursor.sent + ids.length,
    recent_transaction_ids: [...cursor.recent_transaction_ids, ...ids].slice(-CURSOR_RECENT_IDS),
    updated_at: now.toISOString(),
  };
}

/** The last row sent, as the nth valid row carrying its id (a duplicated id appears more than once). */
export interface ResumePoint {
  transactionId: string;
  occurrence: number;
}

/**
 * Where the unsent rows start: just after the last row of the ledger whose id
 * the cursor lists (null: from the first row). Throws when the cursor lists
 * ids but none of them is left in the ledger, since then nothing tells which
 * of the rows that are left were sent.
 */
export async function findResumePoint(ledgerPath: string, cursor: OtlpCursor, cursorPath: string, now: Date): Promise<ResumePoint | null> {
  if (cursor.recent_transaction_ids.length === 0) return null;
  const recent = new Set(cursor.recent_transaction_ids);
  const occurrences = new Map<string, number>();
  let point: ResumePoint | null = null;
  for await (const row of readAllParts(ledgerPath, { now })) {
    if (!row.ok || !recent.has(row.record.transaction_id)) continue;
    const transactionId = row.record.transaction_id;
    const occurrence = (occurrences.get(transactionId) ?? 0) + 1;
    occurrences.set(transactionId, occurrence);
    point = { transactionId, occurrence };
  }
  if (point === null) {
    throw new TrackerError(
      'INVALID_INPUT',
      `None of the last ${cursor.recent_transaction_ids.length} rows that ${cursorPath} records as sent is in ${ledgerPath} any more, so it is unknown which rows are new`,
      { hint: `Rows were erased or purged since the last export, or the cursor belongs to another ledger. ${RESET_HINT}` },
    );
  }
  return point;
}
