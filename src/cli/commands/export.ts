import { defineCommand } from 'citty';
import { EXPORT_FORMATS, exportLedger, type ExportCounts, type ExportFormat } from '../../lib/tracker/index.ts';
import { ledgerSources } from '../_ledgers.ts';
import { csvListArg, EXIT, UsageError } from '../_shared.ts';

async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

export default defineCommand({
  meta: {
    name: 'export',
    description: 'Print the valid rows of every ledger file as CSV (formula cells guarded for spreadsheets), JSON or JSON Lines',
  },
  args: {
    format: { type: 'string', description: `Output format: ${EXPORT_FORMATS.join('|')} (default csv)`, valueHint: 'FORMAT' },
    raw: { type: 'boolean', description: 'CSV only: keep cells starting with = + - @ tab CR as they are (no leading apostrophe)' },
    json: { type: 'boolean', description: 'Same as --format json' },
    ...csvListArg,
  },
  async run({ args }) {
    // A reader that stops early (`| head`) is not an error.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.ok);
      throw error;
    });
    const format = (args.json ? 'json' : (args.format ?? 'csv')) as ExportFormat;
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(args.format)})`);
    const { paths } = ledgerSources(args.csv);
    const counts: ExportCounts = { exported: 0, skipped: 0, duplicates: 0 };
    for await (const chunk of exportLedger(paths, format, { raw: Boolean(args.raw), counts })) await writeOut(chunk);
    if (counts.skipped > 0) process.stderr.write(`token-ledger: left out ${counts.skipped} invalid row(s); \`token-ledger validate\` lists them\n`);
    if (counts.duplicates > 0) {
      process.stderr.write(`token-ledger: left out ${counts.duplicates} row(s) whose transaction ids an earlier ledger has (each transaction once)\n`);
    }
    return EXIT.ok;
  },
});
