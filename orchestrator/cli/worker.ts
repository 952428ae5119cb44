import { loadConfig, ConfigError } from '../config.ts';
import { createLogger, startWorker } from '../runtime/services.ts';

/**
 * `vodforge worker`: one stateless worker process. Any number of them, on any number of
 * machines, share one Redis (REDIS_URL) and one bucket (S3_*).
 * SIGTERM: finish the job in hand, then exit. SIGINT, or a second signal: cancel it now; the
 * job goes back to the queue.
 */
export async function run(_argv: string[]): Promise<number> {
  const log = createLogger();
  const config = loadConfig(process.env);
  if (config.redisUrl === undefined) throw new ConfigError('vodforge worker needs REDIS_URL');
  const handle = await startWorker(config, config.redisUrl, log);
  log.info({ storage: config.storage.kind, prefix: config.prefix }, 'worker started');
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      const force = signal === 'SIGINT' || signals > 1;
      log.info({ signal, force }, force ? 'worker handing back its job and stopping' : 'worker finishing its job, then stopping');
      handle.close(force).then(resolve, resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}
