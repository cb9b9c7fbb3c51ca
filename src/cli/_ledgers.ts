/**
 * Where the reading commands (report, validate, export) read: one ledger or
 * several. Apart from _shared.ts because it loads tinyglobby, which the
 * commands hooks run do not need.
 */
import { ledgerSetting, loadConfig, type LoadedConfig } from '../lib/tracker/config.ts';
import { resolveLedgers } from '../lib/tracker/ledger/sources.ts';

export interface LedgerSources {
  loaded: LoadedConfig;
  /** Absolute paths of the ledgers, each once, in the order named. */
  paths: string[];
}

export function ledgerSources(csvFlag: string | undefined): LedgerSources {
  const loaded = loadConfig();
  const { spec, base, where } = ledgerSetting(csvFlag, loaded);
  return { loaded, paths: resolveLedgers(spec, base, where) };
}
