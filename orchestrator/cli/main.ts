/**
 * `vodforge` command dispatcher. Each subcommand lives in its own module and exports
 * `run(argv): Promise<number>` (the process exit code); modules load lazily so that
 * `vodforge plan` does not pay for the AWS SDK or BullMQ.
 */
type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: { summary: 'start the API and N workers (embedded Redis and storage by default)', load: async () => (await import('./up.ts')).run },
  worker: {
    summary: 'run one worker process against REDIS_URL and the configured storage',
    load: async () => (await import('./worker.ts')).run,
  },
  ingest: { summary: 'upload a master to a running API and optionally wait for it', load: async () => (await import('./ingest.ts')).run },
  demo: {
    summary: 'start the stack, ingest a generated sample master, print its manifest URLs',
    load: async () => (await import('./demo.ts')).run,
  },
  catalog: {
    summary: 'export the catalog of encoded titles from a running API for `plan --catalog`',
    load: async () => (await import('./catalog.ts')).run,
  },
  plan: { summary: 'compute a CDN fill plan from appliances, catalog and view history', load: async () => (await import('./plan.ts')).run },
  simulate: {
    summary: 'simulate fill planning against baselines on a generated trace',
    load: async () => (await import('./simulate.ts')).run,
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: vodforge <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`vodforge: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'VF_USAGE' || e.code === 'VF_CONFIG') {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    // Refused, not crashed: the message says why (the data dir's owner, or its unreadable lock).
    if (e.code === 'VF_DATA_DIR_BUSY' || e.code === 'VF_DATA_DIR_LOCK_UNREADABLE') {
      process.stderr.write(`vodforge: ${e.message}\n`);
      return 1;
    }
    throw err;
  }
}
