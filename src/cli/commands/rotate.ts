import { defineCommand } from 'citty';
import { MAINTENANCE_LOCK_TIMEOUT_MS, rotateLedger } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'rotate',
    description: 'Close the live ledger file off as a part once it passes rotate_size_mb (hooks do this by themselves); reports and exports read every part',
  },
  args: {
    force: { type: 'boolean', description: 'Rotate now, whatever the size' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const { loaded, path } = ledgerTarget(args.csv);
    const maxBytes = loaded.config.rotate_size_mb * 1024 * 1024;
    const part = await rotateLedger(path, { lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS, maxBytes, force: Boolean(args.force) });
    if (args.json) printJson({ path, rotated: part !== null, part });
    else {
      process.stdout.write(
        part ? `Rotated ${path} to ${part}; the next record starts a new file.\n` : `Not rotated: ${path} is under rotate_size_mb (${loaded.config.rotate_size_mb} MB); use --force to rotate anyway.\n`,
      );
    }
    return EXIT.ok;
  },
});
