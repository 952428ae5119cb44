import { loadConfig, ConfigError } from '../config.ts';
import { createLogger, startWorker } from '../runtime/services.ts';

/** How long a worker whose supervisor died may take to hand its job back before it exits anyway. */
const ORPHAN_EXIT_MS = 5000;

/**
 * `vodforge worker`: one stateless worker process. Any number of them, on any number of
 * machines, share one Redis (REDIS_URL) and one bucket (S3_*).
 * SIGTERM: finish the job in hand, then exit. SIGINT, or a second signal: cancel it now; the
 * job goes back to the queue. Under `vodforge up`, the supervisor's death is a SIGINT.
 */
export async function run(_argv: string[]): Promise<number> {
  const config = loadConfig(process.env);
  const log = createLogger(undefined, config);
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
    // Started by `vodforge up` (fork): the IPC channel closes when the supervisor dies, however
    // it dies. A worker without its supervisor is an orphan a restarted `up` cannot see: it
    // hands its job back and stops, so the next supervisor's workers are the only ones.
    if (process.channel !== undefined) {
      process.once('disconnect', () => {
        log.warn({}, 'supervisor gone: handing back the job and stopping');
        // Its embedded Redis may be going down too (it watches the same parent): the hand-back
        // is bounded, and whatever it could not do is left to stall recovery.
        setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
        handle.close(true).then(resolve, resolve);
      });
      // A 'disconnect' listener refs the channel, which would keep a stopped worker alive forever.
      process.channel.unref();
    }
  });
  return 0;
}
