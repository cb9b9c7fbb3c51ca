import { defineCommand } from 'citty';
import { eraseRows, MAINTENANCE_LOCK_TIMEOUT_MS } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, ledgerTarget, printJson, UsageError } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'erase',
    description: 'Right to erasure: remove every row of a session, of a workspace, or containing a text, from the ledger and from its backups (atomic rewrite)',
  },
  args: {
    session: { type: 'string', description: 'Erase the rows of this session id', valueHint: 'ID' },
    workspace: { type: 'string', description: 'Erase the rows of this workspace folder', valueHint: 'NAME' },
    match: { type: 'string', description: 'Erase the rows any cell of which contains this text', valueHint: 'TEXT' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    if (args.session === undefined && args.workspace === undefined && (args.match ?? '') === '') {
      throw new UsageError('erase needs --session ID, --workspace NAME or --match TEXT (given together, a row must match all)');
    }
    const { loaded, path } = ledgerTarget(args.csv);
    const selector = { session: args.session, workspace: args.workspace, match: args.match };
    const result = await eraseRows(path, selector, { lockTimeoutMs: MAINTENANCE_LOCK_TIMEOUT_MS, backup: { compress: loaded.config.compression_enabled } });
    if (args.json) {
      printJson({ path, removed: result.dropped, kept: result.kept, removed_from_backups: result.removedFromBackups, backups_rewritten: result.backupsRewritten });
    } else {
      process.stdout.write(
        `Erased ${result.dropped} row(s) from ${path} (${result.kept} kept) and ${result.removedFromBackups} from ${result.backupsRewritten} backup file(s).\n`,
      );
    }
    return EXIT.ok;
  },
});
