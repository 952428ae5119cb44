/**
 * `vodforge catalog`: exports the catalog of encoded titles from a running API
 * (`GET /v1/fill-plans/catalog`, operator role) to the file `vodforge plan --catalog` reads.
 */
import { writeFile } from 'node:fs/promises';
import { PlannerError, validateCatalog } from '../../cdn-planner/index.ts';
import { parse, UsageError } from './args.ts';
import { ApiCallError, callApi } from './http.ts';
import { formatBytes } from './progress.ts';

const USAGE = 'usage: vodforge catalog --out catalog.json [--api URL] [--api-key KEY (or VODFORGE_API_KEY)]\n';

export async function run(argv: string[]): Promise<number> {
  const { values } = parse('catalog', argv, {
    api: { type: 'string', default: process.env.VODFORGE_API ?? 'http://127.0.0.1:8080' },
    'api-key': { type: 'string', default: process.env.VODFORGE_API_KEY },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.out === undefined) throw new UsageError(`vodforge catalog: missing --out\n${USAGE}`);
  const api = values.api ?? 'http://127.0.0.1:8080';
  const key = values['api-key'];
  const url = new URL('/v1/fill-plans/catalog', api).toString();
  try {
    const body = await callApi<unknown>(url, { method: 'GET', headers: key === undefined ? {} : { 'x-api-key': key } });
    // The planner's own check: what is written is what `vodforge plan --catalog` accepts.
    const catalog = validateCatalog(body, 'catalog');
    await writeFile(values.out, `${JSON.stringify(catalog, null, 2)}\n`);
    const files = catalog.reduce((n, t) => n + t.files.length, 0);
    const bytes = catalog.reduce((n, t) => t.files.reduce((m, f) => m + f.bytes, n), 0);
    process.stdout.write(`wrote ${values.out}: ${catalog.length} titles, ${files} files, ${formatBytes(bytes)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ApiCallError || err instanceof PlannerError) {
      process.stderr.write(`vodforge catalog: ${err.message}\n`);
      return 1;
    }
    // fetch rejects with a TypeError whose cause says why (ECONNREFUSED, ENOTFOUND, …).
    if (err instanceof TypeError && err.cause instanceof Error) {
      process.stderr.write(`vodforge catalog: cannot reach ${api}: ${err.cause.message}\n`);
      return 1;
    }
    if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E')) {
      process.stderr.write(`vodforge catalog: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
