#!/usr/bin/env node
// Entry point of the `token-ledger` bin and `pnpm track`. The compile cache
// lets repeated hook invocations skip re-parsing the bundled CLI.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../build/cli/main.mjs').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('token-ledger: the CLI is not built; run `pnpm install` (or `pnpm build:cli`) in the token-ledger checkout\n');
  process.exit(2);
});
process.exitCode = await main(process.argv.slice(2));
