import os from 'node:os';
import path from 'node:path';
import { loadConfig, withLocalFleet } from '../config.ts';
import { createLogger } from '../runtime/services.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';
import { intOption, parse } from './args.ts';

/** `vodforge up [--port 8080] [--host 127.0.0.1] [--data-dir .data] [--workers N]` (N defaults to the machine's cores) */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse('up', argv, {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    'data-dir': { type: 'string' },
    // One worker per core: each runs one chunk at a time, its encoders on its share of the cores.
    workers: { type: 'string', default: String(os.availableParallelism()) },
  });
  const workers = intOption('workers', values.workers, os.availableParallelism(), 1);
  const loaded = loadConfig(process.env, values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] });
  const config = withLocalFleet(loaded, process.env, workers, os.availableParallelism());
  const log = createLogger(undefined, config);
  const stack = await startStack(
    config,
    {
      port: intOption('port', values.port, 8080),
      host: values.host ?? '127.0.0.1',
      workers,
      // Unless VF_TMP_DIR says otherwise, job scratch lives in the data dir, which `up` owns.
      ...(process.env.VF_TMP_DIR === undefined ? { scratchDir: path.join(config.dataDir, 'scratch') } : {}),
    },
    log,
  );
  process.stderr.write(`vodforge API on ${stack.url} (OpenAPI at ${stack.url}/docs); Ctrl-C to stop\n`);
  await stopOnSignals(stack, log);
  return 0;
}
