/**
 * Rotation: once the live ledger file passes rotate_size_mb, it is renamed to
 * a closed part (see parts.ts) under the lock, and the next append starts a
 * fresh file with a header. A rename is atomic, so a kill leaves either the
 * old name or the new one; readers read every part either way.
 */
import { renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncPath } from '../ledger/atomic.ts';
import { TrackerError } from '../errors.ts';
import { inspectLedger } from '../ledger/ledger.ts';
import { withLock } from '../ledger/lock.ts';
import { partPathFor } from '../ledger/parts.ts';

export interface RotateOptions {
  lockTimeoutMs: number;
  /** Rotate when the live file is at least this big; 0 never rotates unless forced. */
  maxBytes: number;
  force?: boolean;
  now?: Date;
}

/** Closes the live file off as a part; returns the part's path, or null when there was nothing to rotate. */
export async function rotateLedger(ledgerPath: string, options: RotateOptions): Promise<string | null> {
  return withLock(ledgerPath, options.lockTimeoutMs, () => {
    const state = inspectLedger(ledgerPath);
    if (state.version === null) {
      if (options.force) {
        throw new TrackerError('INVALID_LEDGER', `No ledger at ${ledgerPath} to rotate`, { hint: 'Point --csv / TOKEN_LEDGER_CSV at an existing ledger.' });
      }
      return null;
    }
    const due = options.force || (options.maxBytes > 0 && state.size >= options.maxBytes);
    if (!due) return null;
    const part = partPathFor(ledgerPath, options.now ?? new Date());
    renameSync(ledgerPath, part);
    fsyncPath(dirname(ledgerPath));
    return part;
  });
}
