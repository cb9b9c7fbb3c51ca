import { defineCommand } from 'citty';
import { createBackup, MAINTENANCE_LOCK_TIMEOUT_MS } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'backup',
    description: 'Copy every file of the ledger to <ledger>.backups/, timestamped, gzip-compressed when compression_enabled (hooks do this every backup_interval_hours when backup_enabled)',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const files = await createBackup(path, { compress: loaded.config.compression_enabled, lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS });
    if (args.json) printJson({ path, backups: files });
    else process.stdout.write(files.length === 0 ? `Nothing to back up: ${path} is empty.\n` : `Backed up ${path} to:\n${files.map((file) => `  ${file}\n`).join('')}`);
    return EXIT.ok;
  },
});
