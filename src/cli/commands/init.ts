import { resolve } from 'node:path';
import { defineCommand } from 'citty';
import { loadConfig } from '../../lib/tracker/config.ts';
import { makeLedgerFolder } from '../../lib/tracker/ledger/ledger.ts';
import { hasIdIndex } from '../../lib/tracker/importers/import-state.ts';
import { indexImportedIds } from '../../lib/tracker/importers/writer.ts';
import { applyInstall, claudeSettingsPath, kiroHooksDir, planClaudeSettings, planKiroHooks, type InstallChange } from '../../lib/tracker/hooks/install.ts';
import { csvArg, EXIT, hookCommandBase, jsonArg, printJson } from '../_shared.ts';

export default defineCommand({
  meta: {
    name: 'init',
    description:
      'Set up the hooks of a project: Kiro hook files (.kiro/hooks, legacy .kiro.hook and/or v1 .json) and Claude Code hooks merged into .claude/settings.json; keeps what is there; a second run changes nothing',
  },
  args: {
    claude: { type: 'boolean', description: 'Claude Code: Stop, SubagentStop and SessionEnd hooks in settings.json (default: both agents)' },
    kiro: { type: 'boolean', description: 'Kiro: prompt and stop hooks in .kiro/hooks (default: both agents)' },
    dir: { type: 'string', description: 'The project folder (default: the current folder)', valueHint: 'WORKSPACE' },
    user: { type: 'boolean', description: 'Write the user\'s own settings (~/.claude/settings.json, ~/.kiro/hooks) instead of the project\'s' },
    'dry-run': { type: 'boolean', description: 'Say what would change; write nothing' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const workspace = resolve(args.dir ?? process.cwd());
    const both = !args.claude && !args.kiro;
    const base = hookCommandBase();
    const changes: InstallChange[] = [];
    if (args.claude || both) changes.push(planClaudeSettings(claudeSettingsPath(workspace, Boolean(args.user)), base));
    if (args.kiro || both) changes.push(...planKiroHooks(kiroHooksDir(workspace, Boolean(args.user)), base));
    const dryRun = Boolean(args['dry-run']);
    if (!dryRun) applyInstall(changes);

    // The first Stop must not pay for indexing a ledger that predates the index: index it now.
    const loaded = loadConfig({ cwd: workspace });
    const ledgerPath = args.csv ? resolve(args.csv) : loaded.ledgerPath;
    const indexed = hasIdIndex(ledgerPath);
    if (!dryRun && !indexed) {
      makeLedgerFolder(ledgerPath);
      await indexImportedIds(ledgerPath, loaded.config.lock_timeout_ms);
    }

    const changed = changes.filter((item) => item.status !== 'unchanged');
    if (args.json) {
      printJson({ dry_run: dryRun, workspace, ledger: ledgerPath, changed: changed.length, files: changes.map(({ agent, path, status }) => ({ agent, path, status })), commands: base });
      return EXIT.ok;
    }
    for (const item of changes) process.stdout.write(`${dryRun && item.status !== 'unchanged' ? `would be ${item.status}` : item.status}: ${item.path}\n`);
    if (changed.length === 0) process.stdout.write('Nothing to change: the hooks are already set up.\n');
    else if (!dryRun) process.stdout.write(`Hooks run ${base.node} ${base.bin}; rows go to ${ledgerPath}. Check with \`token-ledger doctor\`.\n`);
    return EXIT.ok;
  },
});
