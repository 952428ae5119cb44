import { describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../../orchestrator/cli/event-stream.ts';

describe('EventStreamParser', () => {
  it('returns events only once they are complete, however the text is cut', () => {
    const text = 'event: state\ndata: {"id":"a","state":"queued"}\n\n: keep-alive\n\nevent: state\ndata: {"id":"a","state":"ready"}\n\n';
    for (let size = 1; size <= text.length; size++) {
      const p = new EventStreamParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...p.push(text.slice(i, i + size)));
      expect(events, `chunks of ${size}`).toEqual([
        { event: 'state', data: { id: 'a', state: 'queued' } },
        { event: 'state', data: { id: 'a', state: 'ready' } },
      ]);
    }
  });

  it('reads CRLF line ends, even cut between CR and LF, and fields without a space; skips comments and unknown fields', () => {
    const text = ': hello\r\n\r\nid: 7\r\nevent:deleted\r\ndata:{"id":"b"}\r\n\r\nretry: 1000\n\nevent: state\r\ndata: {}\r\n\r\n';
    for (let size = 1; size <= text.length; size++) {
      const p = new EventStreamParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...p.push(text.slice(i, i + size)));
      expect(events, `chunks of ${size}`).toEqual([
        { event: 'deleted', data: { id: 'b' } },
        { event: 'state', data: {} },
      ]);
    }
  });

  it('keeps an unfinished event for the next chunk', () => {
    const p = new EventStreamParser();
    expect(p.push('event: state\ndata: {"state":"encoding"}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'state', data: { state: 'encoding' } }]);
  });
});
