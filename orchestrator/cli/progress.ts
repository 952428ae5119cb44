/** A one-line progress bar on a terminal; silent when stderr is not a TTY (CI logs, pipes). */
export class ProgressBar {
  private last = '';
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(label: string, fraction: number, detail = ''): void {
    if (!this.enabled) return;
    const width = 30;
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * width);
    const line = `${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
    if (line === this.last) return;
    this.last = line;
    this.stream.write(`\r${line}\x1b[K`);
  }

  done(): void {
    if (this.enabled && this.last !== '') this.stream.write('\n');
    this.last = '';
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
