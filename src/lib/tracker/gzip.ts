/**
 * gzip streams for backups and rewrites of compressed ledger files.
 * node:zlib is fetched when a stream is first made, not imported: once a
 * process has loaded it, csv-parse runs ~6% more instructions per byte in that
 * process (callgrind, Node 22, over a 20 MB ledger), and a report, which
 * never gzips, spends most of its time in csv-parse.
 */
import type { Gunzip, Gzip } from 'node:zlib';

const zlib = () => process.getBuiltinModule('node:zlib');

export function createGzip(): Gzip {
  return zlib().createGzip();
}

export function createGunzip(): Gunzip {
  return zlib().createGunzip();
}
