import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, purgeLedger } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson, UsageError } from '../_shared.ts';

export default defineCommand({
  meta: { name: 'purge', description: 'Remove rows older than retention_days from every file of the ledger (atomic rewrite, after a backup)' },
  args: {
    days: { type: 'string', description: 'Keep this many days instead of retention_days', valueHint: 'N' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const days = args.days === undefined ? loaded.config.retention_days : Number(args.days);
    if (!Number.isInteger(days) || days < 1) throw new UsageError(`--days must be a whole number of days, at least 1 (got ${JSON.stringify(args.days)})`);
    const result = await purgeLedger(path, {
      retentionDays: days,
      lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS,
      backup: { compress: loaded.config.compression_enabled },
    });
    if (args.json) printJson({ path, retention_days: days, cutoff: result.cutoff, removed: result.dropped, kept: result.kept, backups: result.backups });
    else process.stdout.write(`Removed ${result.dropped} row(s) older than ${result.cutoff} (${days} days) from ${path}; ${result.kept} kept. Backup first: ${result.backups.join(', ') || 'none (empty ledger)'}\n`);
    return EXIT.ok;
  },
});
