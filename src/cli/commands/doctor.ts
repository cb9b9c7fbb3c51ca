import { defineCommand } from 'citty';
import { availableParallelism } from 'node:os';
import { checkUnpricedModels, runDoctor } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, hookCommandBase, jsonArg, printJson } from '../_shared.ts';

const MARK = { ok: 'ok     ', info: 'info   ', problem: 'PROBLEM' } as const;

export default defineCommand({
  meta: {
    name: 'doctor',
    description: 'Check config, Kiro hook files, Claude Code hooks (with one synthetic hook call), ledger, permissions, disk space, spool backlog, lock, backups and unpriced models; exit 1 on any problem',
  },
  args: {
    'no-hook-call': { type: 'boolean', description: 'Skip the synthetic Claude Code hook call (run end to end into a temporary ledger)' },
    ...csvArg,
    ...jsonArg,
  },
  async run({ args }) {
    const { ledgerPath, ledgerPaths, checks, loaded } = runDoctor({ csvPath: args.csv || undefined, hookCommandBase: hookCommandBase(), tryHook: !args['no-hook-call'] });
    const pricing = loaded ? await checkUnpricedModels(ledgerPaths, loaded, availableParallelism()) : undefined;
    if (pricing) checks.push(pricing);
    const problems = checks.filter((check) => check.status === 'problem').length;
    if (args.json) printJson({ path: ledgerPath, paths: ledgerPaths, ok: problems === 0, checks });
    else {
      for (const check of checks) {
        process.stdout.write(`${MARK[check.status]} ${check.check}: ${check.detail}\n`);
        if (check.status === 'problem' && check.hint) process.stdout.write(`        fix: ${check.hint}\n`);
      }
      process.stdout.write(problems === 0 ? 'No problems found.\n' : `${problems} problem(s) found.\n`);
    }
    return problems === 0 ? EXIT.ok : EXIT.invalid;
  },
});
