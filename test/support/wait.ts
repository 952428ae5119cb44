/**
 * Waits for a state to be reached: asks `probe` until it returns a value (anything but
 * `undefined`), and returns that value. Polling is how a client learns of a state it cannot
 * subscribe to; the wait ends on the state, never after a fixed time. Past `timeoutMs` it
 * throws, naming what it waited for and the last thing it saw, so a stuck test says why.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { readonly intervalMs?: number; readonly timeoutMs?: number; readonly seen?: () => string } = {},
): Promise<T> {
  const { intervalMs = 100, timeoutMs = 120_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${options.seen === undefined ? '' : ` (last seen: ${options.seen()})`}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `waitUntil` for a condition: resolves once `check` is true. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { readonly intervalMs?: number; readonly timeoutMs?: number } = {},
): Promise<void> {
  await waitUntil(what, async () => ((await check()) ? true : undefined), options);
}
