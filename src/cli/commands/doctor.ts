import { defineCommand } from 'citty';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { checkUnpricedModels, runDoctor } from '../../lib/tracker/index.ts';
import { csvArg, EXIT, jsonArg, printJson } from '../_shared.ts';

const MARK = { ok: 'ok     ', info: 'info   ', problem: 'PROBLEM' } as const;

export default defineCommand({
  meta: {
    name: 'doctor',
    description: 'Check config, hook files, ledger, permissions, disk space, spool backlog, lock, backups and unpriced models; exit 1 on any problem',
  },
  args: { ...csvArg, ...jsonArg },
  async run({ args }) {
    const { ledgerPath, checks, loaded } = runDoctor({ csvPath: args.csv ? resolve(args.csv) : undefined });
    const pricing = loaded ? await checkUnpricedModels(ledgerPath, loaded, availableParallelism()) : undefined;
    if (pricing) checks.push(pricing);
    const problems = checks.filter((check) => check.status === 'problem').length;
    if (args.json) printJson({ path: ledgerPath, ok: problems === 0, checks });
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
