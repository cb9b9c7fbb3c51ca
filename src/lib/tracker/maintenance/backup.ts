/**
 * Timestamped backups of every file of the ledger, gzip-compressed when
 * compression_enabled, into `<ledger>.backups/` (files 0600). A backup is a
 * consistent snapshot: the files are opened and their sizes taken under the
 * ledger's lock, where no append is half-done, then copied without holding it.
 */
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { createGzip } from '../gzip.ts';
import { PRIVATE_DIR_MODE, replaceFileAtomically } from '../ledger/atomic.ts';
import type { TrackerConfig } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { withLock } from '../ledger/lock.ts';
import { ledgerFiles, stampOf } from '../ledger/parts.ts';

export interface BackupSettings {
  compress: boolean;
  now?: Date;
}

const BACKUP_NAME = /\.(\d{8}T\d{9}Z)(\.[^.]+)?(\.gz)?$/;

export function backupDir(ledgerPath: string): string {
  return `${resolve(ledgerPath)}.backups`;
}

function backupPathFor(ledgerPath: string, file: string, stamp: string, compress: boolean): string {
  const extension = extname(file);
  return join(backupDir(ledgerPath), `${basename(file, extension)}.${stamp}${extension}${compress ? '.gz' : ''}`);
}

export interface BackupFile {
  path: string;
  stamp: string;
  compressed: boolean;
}

/** Backup files of the ledger, oldest first. */
export function listBackups(ledgerPath: string): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(backupDir(ledgerPath));
  } catch {
    return [];
  }
  const backups: BackupFile[] = [];
  for (const name of names) {
    const match = BACKUP_NAME.exec(name);
    if (!match || name.startsWith('.')) continue;
    backups.push({ path: join(backupDir(ledgerPath), name), stamp: match[1] as string, compressed: match[3] !== undefined });
  }
  return backups.sort((a, b) => a.stamp.localeCompare(b.stamp) || a.path.localeCompare(b.path));
}

interface Snapshot {
  file: string;
  fd: number;
  size: number;
}

/** With the lock held: opens every file of the ledger and notes its size, which ends on a whole row. */
function snapshotLocked(ledgerPath: string): Snapshot[] {
  return ledgerFiles(ledgerPath).map((file) => {
    const fd = openSync(file, 'r');
    return { file, fd, size: fstatSync(fd).size };
  });
}

async function copySnapshots(ledgerPath: string, snapshots: readonly Snapshot[], settings: BackupSettings): Promise<string[]> {
  const stamp = stampOf(settings.now ?? new Date());
  const written: string[] = [];
  try {
    mkdirSync(backupDir(ledgerPath), { recursive: true, mode: PRIVATE_DIR_MODE });
    for (const snapshot of snapshots) {
      if (snapshot.size === 0) continue;
      const target = backupPathFor(ledgerPath, snapshot.file, stamp, settings.compress);
      const source = createReadStream('', { fd: snapshot.fd, start: 0, end: snapshot.size - 1, autoClose: false });
      await replaceFileAtomically(target, source, { stages: settings.compress ? [createGzip()] : [] });
      written.push(target);
    }
  } catch (error) {
    throw new TrackerError('LEDGER_UNWRITABLE', `Cannot write a backup to ${backupDir(ledgerPath)} (${(error as NodeJS.ErrnoException).code ?? 'EIO'}): ${(error as Error).message}`, {
      hint: 'Free disk space or fix the permissions of the backup folder; nothing was rewritten.',
      cause: error,
    });
  } finally {
    for (const snapshot of snapshots) closeSync(snapshot.fd);
  }
  return written;
}

/** For a caller already holding the ledger's lock (a rewrite): backs up every file now. */
export async function createBackupLocked(ledgerPath: string, settings: BackupSettings): Promise<string[]> {
  return copySnapshots(ledgerPath, snapshotLocked(ledgerPath), settings);
}

/** Backs up every file of the ledger; holds the lock only while taking the snapshot. */
export async function createBackup(ledgerPath: string, settings: BackupSettings & { lockTimeoutMs: number }): Promise<string[]> {
  if (ledgerFiles(ledgerPath).length === 0) {
    throw new TrackerError('INVALID_LEDGER', `No ledger at ${ledgerPath}`, {
      hint: 'Record something first, or point --csv / TOKEN_LEDGER_CSV at an existing ledger.',
    });
  }
  const snapshots = await withLock(ledgerPath, settings.lockTimeoutMs, () => snapshotLocked(ledgerPath));
  return copySnapshots(ledgerPath, snapshots, settings);
}

/** When backups are on and the newest is older than backup_interval_hours, makes one; else returns null. */
export async function backupIfDue(
  ledgerPath: string,
  config: Pick<TrackerConfig, 'backup_enabled' | 'backup_interval_hours' | 'compression_enabled' | 'lock_timeout_ms'>,
  now = new Date(),
): Promise<string[] | null> {
  if (!config.backup_enabled) return null;
  const newest = listBackups(ledgerPath).at(-1);
  if (newest && now.getTime() - stampToTime(newest.stamp) < config.backup_interval_hours * 3_600_000) return null;
  return createBackup(ledgerPath, { compress: config.compression_enabled, now, lockTimeoutMs: config.lock_timeout_ms });
}

function stampToTime(stamp: string): number {
  const iso = stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/, '$1-$2-$3T$4:$5:$6.$7Z');
  return Date.parse(iso);
}
