import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, replaySpool } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'flush',
    description: 'Move records waiting in the spool (the ledger was unwritable when they came) into the ledger, exactly once, oldest first',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { path } = ledgerTarget(args.csv);
    const result = await replaySpool(path, { lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS });
    if (args.json) printJson({ path, ...result });
    else {
      process.stdout.write(`Flushed ${result.replayed} spooled record(s) into ${path}${result.alreadyPresent > 0 ? ` (${result.alreadyPresent} were already there and were only removed from the spool)` : ''}.\n`);
    }
    if (result.unreadable.length > 0) {
      process.stderr.write(`token-ledger: ${result.unreadable.length} spool file(s) are not valid records and were left in place: ${result.unreadable.join(', ')}\n`);
      return EXIT.invalid;
    }
    return EXIT.ok;
  },
});
