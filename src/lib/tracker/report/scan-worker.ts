/**
 * The worker-thread entry of a ledger read for `report`'s own CommonJS bundle
 * (scripts/build-cli.ts): a worker of that bundle cannot load the bundle
 * itself, whose modules run only when its command imports them, so it loads
 * the CommonJS bundle of this entry beside it, and ledger-scan.ts takes its
 * tasks as it loads.
 */
import './ledger-scan.ts';
