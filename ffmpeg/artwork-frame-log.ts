/** The frame log the artwork job's ffmpeg commands write (`artwork-args.ts`), parsed. Pure. */

/** One frame as `metadata=print` logged it. */
export interface LoggedFrame {
  /** Source presentation time, seconds (as the master stores it: subtract the video start). */
  readonly ptsTimeS: number;
  /** `select` scene score, 0–1. */
  readonly sceneScore: number;
}

/**
 * Parses `metadata=print` output: a `frame:N pts:P pts_time:T` line, then `key=value` lines,
 * per frame. Frames without a readable time are skipped (a corrupt stretch can log `nan`).
 */
export function parseFrameLog(text: string): LoggedFrame[] {
  const frames: LoggedFrame[] = [];
  let current: { ptsTimeS: number; sceneScore: number } | undefined;
  const flush = (): void => {
    if (current !== undefined && Number.isFinite(current.ptsTimeS)) frames.push(current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    const head = /^frame:\s*\d+\s+pts:\s*\S+\s+pts_time:\s*(\S+)/.exec(line);
    if (head !== null) {
      flush();
      current = { ptsTimeS: Number(head[1]), sceneScore: 0 };
      continue;
    }
    const kv = /^lavfi\.scene_score=(\S+)/.exec(line.trim());
    if (kv !== null && current !== undefined) {
      const v = Number(kv[1]);
      current.sceneScore = Number.isFinite(v) ? v : 0;
    }
  }
  flush();
  return frames;
}
