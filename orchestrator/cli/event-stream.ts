/** One event of a text/event-stream body: its `event:` name and its `data:` parsed as JSON. */
export interface StreamEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/**
 * Reads a text/event-stream as it arrives: feed it chunks of text, get the events completed
 * so far. Comments (`:` lines, the server's keep-alives) and fields other than `event` and
 * `data` are skipped; an event without either is dropped. Pure.
 */
export class EventStreamParser {
  private buffered = '';
  /** A CR that ended the last chunk: with the next chunk's LF it is one line end, not two. */
  private pendingCr = false;

  push(chunk: string): StreamEvent[] {
    let text = (this.pendingCr ? '\r' : '') + chunk;
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    this.buffered += text.replace(/\r\n?/g, '\n');
    const cut = this.buffered.lastIndexOf('\n\n');
    if (cut < 0) return [];
    const complete = this.buffered.slice(0, cut);
    this.buffered = this.buffered.slice(cut + 2);
    return complete.split('\n\n').flatMap((block) => {
      const lines = block.split('\n');
      const event = lines
        .find((l) => l.startsWith('event:'))
        ?.slice('event:'.length)
        .trim();
      const data = lines
        .find((l) => l.startsWith('data:'))
        ?.slice('data:'.length)
        .trim();
      return event === undefined || data === undefined ? [] : [{ event, data: JSON.parse(data) as Record<string, unknown> }];
    });
  }
}
