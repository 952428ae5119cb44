/**
 * A title's CPU account of a step inside one of its jobs (`meterStep`), e.g. `probe/scan`:
 * the job's name, a slash (no job name holds one) and the step's. Kept beside the job's own
 * figure, which already counts it.
 */
export function cpuStepKey(job: string, step: string): string {
  return `${job}/${step}`;
}

/** Whether an account of the title's CPU is a step's (`cpuStepKey`) rather than a job's. */
export function isCpuStepKey(account: string): boolean {
  return account.includes('/');
}
