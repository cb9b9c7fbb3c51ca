import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, migrateLedger } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'migrate',
    description: 'Rewrite a v1 (12 columns) or v2 (20 columns) ledger as v3 (all 22 columns), atomically and after a backup',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const result = await migrateLedger(path, { lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS, backup: { compress: loaded.config.compression_enabled } });
    const migrated = result?.files.filter((file) => file.replaced).map((file) => file.file) ?? [];
    if (args.json) printJson({ path, migrated, rows: result?.kept ?? 0, backups: result?.backups ?? [] });
    else {
      process.stdout.write(
        result === null
          ? `Nothing to migrate: ${path} is schema v3 already.\n`
          : `Migrated ${migrated.length} file(s) to schema v3 (${result.kept} rows). Backup first: ${result.backups.join(', ')}\n`,
      );
    }
    return EXIT.ok;
  },
});
