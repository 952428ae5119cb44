import v8 from 'node:v8';
import vm from 'node:vm';

/** V8's `gc` extension function, as `--expose-gc` installs it. */
type Gc = (options: { readonly type: 'minor' | 'major'; readonly execution: 'sync' | 'async' }) => void;

/** `null` once we know this runtime will not hand out `gc`; `undefined` until first asked. */
let gc: Gc | null | undefined;

function loadGc(): Gc | null {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as Gc;
  // The extension is installed into contexts created while the flag is on: turn it on for
  // one new context, take its `gc`, and turn it off again so no other context gets one.
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    return typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Runs a young-generation collection (a scavenge) now, so the garbage of a streamed request
 * body is freed as it goes rather than piling up. No-op where the runtime refuses `gc`.
 *
 * Node's HTTP parser copies each body chunk (up to 64 KiB) into a new ArrayBuffer whose bytes
 * live outside the JS heap; only a scavenge frees a dead one. An upload allocates so little
 * on the JS heap (~3 KB per chunk) that new space never fills, so V8 (11.3, Node 20) waits
 * until young ArrayBuffers reach twice its *default* semi-space, a fixed 32 MiB that
 * `--max-semi-space-size` does not move. Those dead chunks were the whole ~32 MB an upload
 * added to the API's RSS (bench:api). A scavenge here costs ~0.7 ms: next to nothing in new
 * space is live.
 */
export function scavengeYoungGeneration(): void {
  gc ??= loadGc();
  gc?.({ type: 'minor', execution: 'sync' });
}
