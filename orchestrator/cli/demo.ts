import { mkdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, withLocalFleet } from '../config.ts';
import { createLogger } from '../runtime/services.ts';
import { startStack, stopOnSignals } from '../runtime/stack.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { intOption, parse } from './args.ts';
import { ingestFile } from './ingest.ts';

/** Generates the sample master once: 30 s of 720p25 test pattern with a tone. */
async function sampleMaster(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'samples', 'sample-720p.mp4');
  if ((await stat(file).catch(() => undefined)) !== undefined) return file;
  await mkdir(path.dirname(file), { recursive: true });
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    '30',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-movflags',
    '+faststart',
    file,
  ]);
  return file;
}

/**
 * `vodforge demo [--port 8080] [--workers <cores>] [--data-dir .data] [--exit]`: the whole job on
 * embedded defaults. Starts the stack, ingests a generated master through the API, prints the
 * manifest URLs and keeps serving them until Ctrl-C (or exits at once with `--exit`).
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse('demo', argv, {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    'data-dir': { type: 'string' },
    exit: { type: 'boolean', default: false },
  });
  const workers = intOption('workers', values.workers, os.availableParallelism(), 1);
  const loaded = loadConfig(process.env, values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] });
  const config = withLocalFleet(loaded, process.env, workers, os.availableParallelism());
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', config);
  const stack = await startStack(config, { port: intOption('port', values.port, 8080), host: '127.0.0.1', workers }, log);
  try {
    process.stderr.write('generating a sample master (30 s, 1280x720, 25 fps, with audio)...\n');
    const master = await sampleMaster(config.dataDir);
    const apiKey = process.env.VODFORGE_API_KEY ?? (await readFile(stack.adminKeyFile, 'utf8').catch(() => '')).trim();
    const result = await ingestFile(stack.url, master, { name: 'vodforge sample', wait: true, ...(apiKey === '' ? {} : { apiKey }) });
    if (result.status !== 'ready') {
      process.stderr.write(`sample failed: ${result.error?.code ?? ''} ${result.error?.message ?? ''}\n`);
      return 1;
    }
    process.stdout.write(
      `\nsample title ${result.id} is ready: ${result.ladder.map((r) => `${r.height}p@${r.bitrateKbps}k`).join(', ')}\n` +
        `HLS:  ${result.hls ?? ''}\nDASH: ${result.dash ?? ''}\n` +
        `(try: ffplay ${result.hls ?? ''})\nAPI docs: ${stack.url}/docs   operator console: ${stack.url}/console (admin key in ${stack.adminKeyFile})\n`,
    );
  } catch (err) {
    await stack.stop(true);
    throw err;
  }
  if (values.exit === true) {
    await stack.stop(false);
    return 0;
  }
  process.stderr.write('serving; Ctrl-C to stop\n');
  await stopOnSignals(stack, log);
  return 0;
}
