import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, pricingFor, repriceLedger } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'reprice',
    description: 'Recompute cost_usd of every row the price table (shipped + pricing.file) can price, after a price change (atomic rewrite, after a backup)',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const result = await repriceLedger(path, pricingFor(loaded), {
      lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS,
      backup: { compress: loaded.config.compression_enabled },
    });
    if (args.json) {
      printJson({ path, repriced: result.revised, rows: result.kept, cost_before_usd: result.costBeforeUsd, cost_after_usd: result.costAfterUsd, backups: result.backups });
    } else {
      process.stdout.write(
        `Re-priced ${result.revised} of ${result.kept} row(s) in ${path}: cost $${result.costBeforeUsd.toFixed(4)} -> $${result.costAfterUsd.toFixed(4)}. Backup first: ${result.backups.join(', ') || 'none (empty ledger)'}\n`,
      );
    }
    return EXIT.ok;
  },
});
