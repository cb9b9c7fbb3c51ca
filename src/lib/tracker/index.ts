export { TrackerError, ValidationError, formatFieldIssue, type FieldIssue, type TrackerErrorCode } from './errors.ts';
export {
  V1_COLUMNS,
  V2_COLUMNS,
  V2_EXTRA_COLUMNS,
  V3_COLUMNS,
  V3_EXTRA_COLUMNS,
  LATEST_SCHEMA_VERSION,
  HOOK_TRIGGER_TYPES,
  USAGE_SOURCES,
  LIMITS,
  columnsFor,
  ledgerRecordShape,
  ledgerRecordSchema,
  type Column,
  type HookTriggerType,
  type LedgerRecord,
  type RecordRuleContext,
  type SchemaVersion,
  type UsageSource,
} from './schema.ts';
export { checkRecord, validateRecord, type RecordCheck } from './validate.ts';
export { cellsToCandidate, recordToCells } from './ledger/row.ts';
export {
  CONFIG_FILE,
  DEFAULT_CONFIG,
  DEFAULT_LEDGER_PATH,
  ENV_OVERRIDES,
  PROMPT_MODES,
  USER_MODES,
  configuredTimeZone,
  findWorkspaceRoot,
  isTrackingEnabled,
  loadConfig,
  namesSeveralLedgers,
  splitLedgerList,
  trackerConfigSchema,
  type LoadedConfig,
  type TrackerConfig,
} from './config.ts';
export { hashPrompt, storedPromptText, truncateText, truncationMarker } from './record/prompt.ts';
export { STALE_LOCK_MS, lockPathFor, withLock } from './ledger/lock.ts';
export {
  LEDGER_FILE_MODE,
  appendRecords,
  ensureLedger,
  forEachLedgerRow,
  formatRows,
  headerLine,
  inspectLedger,
  readLedger,
  type CheckedRow,
  type LedgerRange,
  type LedgerRow,
  type LedgerState,
} from './ledger/ledger.ts';
export {
  CELL_MEASURES,
  GROUP_KEYS,
  NO_ERROR_KEY,
  UNKNOWN_KEY,
  UsageAggregator,
  costCoverage,
  groupKeyOf,
  isoWeek,
  parseDateBound,
  percentile,
  type AggregateOptions,
  type AggregatorState,
  type CellTable,
  type GroupKey,
  type RecentError,
  type SessionDetail,
  type SessionRow,
  type UsageGroup,
  type UsageReport,
  type UsageStats,
} from './report/aggregate.ts';
export { ZoneCalendar, isTimeZone, machineTimeZone } from './report/time-zone.ts';
export { aggregateLedger, type LedgerScan, type LedgerScanOptions, type LocatedFile } from './report/ledger-scan.ts';
export { readSessionRows } from './report/session-rows.ts';
export { type RowLocations } from './report/row-locations.ts';
export { ledgerUnpricedModels, unpricedModels } from './report/unpriced.ts';
export { USER_HASH_LENGTH, gitUserEmail, resolveUser, userForLedger } from './record/user.ts';
export { SCAN_CACHE_DIR, SCAN_CACHE_FORMAT } from './report/scan-cache.ts';
export { DEFAULT_HOOK_NAME, completeRecord, recordTransaction, recordTransactions, type RecordInput, type RecordOptions, type RecordResult } from './record/record.ts';
// Reliability and maintenance: spool and replay, backups, rotation, rewrites, redaction.
export { lockState, type LockState } from './ledger/lock.ts';
export { redactSecrets, compileExtraPatterns, type RedactionSettings } from './record/redact.ts';
export { ledgerFiles, ledgerOfPart, ledgerParts, needsRotation, readAllParts, type LedgerFileRow } from './ledger/parts.ts';
export { ledgerNames, resolveLedgers } from './ledger/sources.ts';
export { listSpool, replaySpool, spoolRecord, type ReplayResult, type SpoolEntry } from './ledger/spool.ts';
export { besideSpoolDir, cacheSpoolDir, spoolDirs } from './ledger/spool-dirs.ts';
export { HOOK_BUDGET_MS, deliverRecord, type Delivery } from './record/deliver.ts';
export { backupDir, backupIfDue, createBackup, listBackups, type BackupFile } from './maintenance/backup.ts';
export { rotateLedger } from './maintenance/rotate.ts';
export { rewriteFile, rewriteLedger, type RecordRevision, type RewriteResult, type RowAction, type RowDecision } from './ledger/rewrite.ts';
export { MAINTENANCE_LOCK_TIMEOUT_MS } from './ledger/rewrite.ts';
export { purgeLedger } from './maintenance/purge.ts';
export { eraseRows, rowMatches, type EraseResult, type EraseSelector } from './maintenance/erase.ts';
export { filesNeedingMigration, migrateLedger } from './maintenance/migrate.ts';
export { rejectsPathFor, repairLedger } from './maintenance/repair.ts';
export { repriceLedger, type RepriceResult } from './maintenance/reprice.ts';
export { EXPORT_FORMATS, exportLedger, guardCell, type ExportCounts, type ExportFormat } from './maintenance/export.ts';
export { checkUnpricedModels, runDoctor, type CheckStatus, type DoctorCheck } from './maintenance/doctor.ts';
export {
  ONE_HOUR_CACHE_WRITE_FACTOR,
  Pricing,
  shippedPriceTable,
  costOfCandidate,
  modelPriceSchema,
  parsePriceTable,
  priceTableSchema,
  priceTierSchema,
  pricingFor,
  type ModelPrice,
  type PriceTable,
  type PriceTier,
  type TokenCounts,
} from './pricing/pricing.ts';
// OTLP export; the OpenTelemetry SDK itself loads only when a row is sent.
export { DEFAULT_OTLP_BATCH_SIZE, DEFAULT_OTLP_TIMEOUT_MS, exportOtlp, otlpSignalUrls, type OtlpExportOptions, type OtlpExportResult } from './otlp/export.ts';
export { otlpCursorPathFor } from './otlp/cursor.ts';
