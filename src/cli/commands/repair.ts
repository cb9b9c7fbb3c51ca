import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, repairLedger } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'repair',
    description: 'Move rows that break a rule, are torn, or repeat a transaction id to <ledger>.rejects.csv and keep the good ones (atomic rewrite, after a backup)',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const result = await repairLedger(path, { lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS, backup: { compress: loaded.config.compression_enabled } });
    if (args.json) printJson({ path, kept: result.kept, rejected: result.rejected, rejects_path: result.rejectsPath, backups: result.backups });
    else {
      process.stdout.write(
        result.rejected === 0
          ? `Nothing to repair: all ${result.kept} row(s) of ${path} are valid.\n`
          : `Kept ${result.kept} row(s); moved ${result.rejected} to ${result.rejectsPath}. Backup first: ${result.backups.join(', ')}\n`,
      );
    }
    return EXIT.ok;
  },
});
