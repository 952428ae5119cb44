/**
 * `vodforge plan`: reads appliances, catalog, view history (JSON lines, streamed) and optional
 * holdings, computes a fill plan with the pure cdn-planner core, writes plan.json and prints a
 * per-cluster summary. File I/O lives here and nowhere in cdn-planner/.
 */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  createDemandAggregator,
  expectInstant,
  formatSummary,
  DEFAULT_LOAD_FACTOR,
  indexCatalog,
  parseJsonLine,
  PlannerError,
  planFromHistory,
  validateAppliances,
  validateCatalog,
  validateHoldings,
  validateViewRecord,
} from '../../cdn-planner/index.ts';

const USAGE = `usage: vodforge plan --appliances A.json --catalog C.json --views V.jsonl [--holdings H.json] [--at ISO]
                     [--history-days 28] [--load-factor 1.25] --out plan.json
`;

const OPTIONS = {
  appliances: { type: 'string' },
  catalog: { type: 'string' },
  views: { type: 'string' },
  holdings: { type: 'string' },
  at: { type: 'string' },
  out: { type: 'string' },
  'history-days': { type: 'string' },
  'load-factor': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (err) {
    process.stderr.write(`vodforge plan: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const missing = (['appliances', 'catalog', 'views', 'out'] as const).filter((k) => values[k] === undefined);
  if (missing.length > 0) {
    process.stderr.write(`vodforge plan: missing --${missing.join(', --')}\n${USAGE}`);
    return 2;
  }
  try {
    const appliances = validateAppliances(await readJson(values.appliances!), 'appliances');
    const catalog = validateCatalog(await readJson(values.catalog!), 'catalog');
    const holdings = values.holdings === undefined ? {} : validateHoldings(await readJson(values.holdings), appliances, 'holdings');
    const at = values.at ?? new Date().toISOString();
    const atMs = expectInstant('--at', at);
    const historyDays = numberFlag('--history-days', values['history-days'], 28);
    const loadFactor = numberFlag('--load-factor', values['load-factor'], DEFAULT_LOAD_FACTOR);
    const index = indexCatalog(catalog);
    const agg = createDemandAggregator(index, { endMs: atMs, days: historyDays });
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(values.views!), crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      const field = `views:${line}`;
      agg.add(validateViewRecord(parseJsonLine(text, field), field));
    }
    const history = agg.finish();
    const { plan } = planFromHistory({ appliances, index, history, holdings, atMs }, { historyDays, loadFactor });
    await writeFile(values.out!, `${JSON.stringify(plan, null, 2)}\n`);
    process.stdout.write(formatSummary(plan));
    if (history.ignoredRecords > 0)
      process.stdout.write(`${history.ignoredRecords} view records outside the window or the catalog were ignored\n`);
    process.stdout.write(`wrote ${values.out}\n`);
    return 0;
  } catch (err) {
    if (err instanceof PlannerError) {
      process.stderr.write(`vodforge plan: ${err.code}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E')) {
      process.stderr.write(`vodforge plan: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PlannerError('PLANNER_INVALID_INPUT', path, `${path}: not valid JSON (${(err as Error).message})`, undefined);
  }
}

function numberFlag(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0)
    throw new PlannerError('PLANNER_INVALID_INPUT', name, `Expected \`${name}\` to be a number > 0, got ${JSON.stringify(raw)}`, raw);
  return v;
}
