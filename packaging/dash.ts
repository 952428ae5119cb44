import { measureTrack, type AudioTrack, type Presentation, type SubtitleTrack, type Track } from './model.ts';

/** ISO 8601 duration with millisecond precision, as MPD attributes take it. */
export function isoDuration(seconds: number): string {
  return `PT${seconds.toFixed(3)}S`;
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `<SegmentTimeline>` in the track's own timescale: start times are sums of rounded
 * durations, so they never drift from the fragments' decode times by more than one tick.
 */
export function segmentTimeline(track: Track): string {
  const entries: { t: number; d: number; r: number }[] = [];
  let tSec = 0;
  for (const s of track.segments) {
    const t = Math.round(tSec * track.timescale);
    tSec += s.durationS;
    const d = Math.round(tSec * track.timescale) - t;
    const last = entries.at(-1);
    if (last !== undefined && last.d === d) last.r += 1;
    else entries.push({ t, d, r: 0 });
  }
  return entries.map((e, i) => `<S ${i === 0 ? `t="${e.t}" ` : ''}d="${e.d}"${e.r > 0 ? ` r="${e.r}"` : ''}/>`).join('');
}

/** `$Number%0Nd$` template matching the segments' names (`segmentFileName`). */
function mediaTemplate(track: Track, base: string): string {
  const first = track.segments[0]?.name ?? 'seg_00000.m4s';
  const m = /^(.*?)(\d+)(\.m4s)$/.exec(first);
  if (m === null) throw new Error(`segment name ${first} does not end in a number`);
  return `${base}${track.dir}/${m[1] ?? ''}$Number%0${(m[2] ?? '').length}d$${m[3] ?? ''}`;
}

function segmentTemplate(track: Track, base: string): string {
  const firstNumber = Number(/(\d+)\.m4s$/.exec(track.segments[0]?.name ?? '0.m4s')?.[1] ?? 0);
  return (
    `<SegmentTemplate timescale="${track.timescale}" initialization="${escapeAttr(`${base}${track.dir}/${track.initName}`)}" ` +
    `media="${escapeAttr(mediaTemplate(track, base))}" startNumber="${firstNumber}">` +
    `<SegmentTimeline>${segmentTimeline(track)}</SegmentTimeline></SegmentTemplate>`
  );
}

/**
 * `AudioChannelConfiguration` of a track: MPEG's scheme (a channel count) for AAC; Dolby's
 * (a channel mask, `F801` for 5.1) for AC-3, as DASH-IF IOP 9.2.1.2 requires of Dolby audio.
 */
function channelConfiguration(a: AudioTrack): string {
  if (a.codecs === 'ac-3') {
    const mask = a.channels === 6 ? 'F801' : a.channels === 2 ? 'A000' : a.channels.toString(16).toUpperCase();
    return `<AudioChannelConfiguration schemeIdUri="tag:dolby.com,2014:dash:audio_channel_configuration:2011" value="${mask}"/>`;
  }
  return `<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels}"/>`;
}

/** `main` for the rendition players start with, `alternate` for the others (ISO/IEC 23009-1 5.8.5.5). */
const role = (isDefault: boolean): string => `<Role schemeIdUri="urn:mpeg:dash:role:2011" value="${isDefault ? 'main' : 'alternate'}"/>`;

/** One adaptation set per audio rendition: players choose languages and channel layouts between sets. */
function audioAdaptationSet(a: AudioTrack, id: number, base: string): string[] {
  return [
    `    <AdaptationSet id="${id}" contentType="audio" mimeType="audio/mp4" lang="${escapeAttr(a.language)}" segmentAlignment="true" startWithSAP="1">`,
    `      ${role(a.isDefault)}`,
    `      <Label>${escapeText(a.name)}</Label>`,
    `      <Representation id="${escapeAttr(a.dir)}" bandwidth="${measureTrack(a).peakBps}" codecs="${a.codecs}" audioSamplingRate="${a.sampleRateHz}">`,
    `        ${channelConfiguration(a)}`,
    `        ${segmentTemplate(a, base)}`,
    '      </Representation>',
    '    </AdaptationSet>',
  ];
}

/** A WebVTT file as a text adaptation set (DASH-IF IOP 6.4.5: sideloaded WebVTT, `text/vtt`). */
function textAdaptationSet(t: SubtitleTrack, id: number, base: string): string[] {
  const bandwidth = Math.max(
    1,
    Math.ceil(
      (t.bytes * 8) /
        Math.max(
          1,
          t.segments.reduce((s, x) => s + x.durationS, 0),
        ),
    ),
  );
  return [
    `    <AdaptationSet id="${id}" contentType="text" mimeType="text/vtt" lang="${escapeAttr(t.language)}">`,
    `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${t.isForced ? 'forced-subtitle' : 'subtitle'}"/>`,
    `      <Label>${escapeText(t.name)}</Label>`,
    `      <Representation id="${escapeAttr(t.dir)}" bandwidth="${bandwidth}">`,
    `        <BaseURL>${escapeText(`${base}${t.dir}/${t.file}`)}</BaseURL>`,
    '      </Representation>',
    '    </AdaptationSet>',
  ];
}

/**
 * A static DASH MPD (isoff-live profile) over the same CMAF segments the HLS playlists
 * name, so both protocols share one copy of the media. `baseOf`, when given, sets the base of
 * each track's templates instead of `base` (a steered MPD sends each representation to the
 * appliance that holds its segments).
 */
export function dashManifest(p: Presentation, base = '', baseOf?: (track: Track) => string): string {
  const b = (t: Track): string => (baseOf === undefined ? base : baseOf(t));
  const maxW = Math.max(...p.video.map((v) => v.width));
  const maxH = Math.max(...p.video.map((v) => v.height));
  const fr = p.video[0]?.frameRate;
  const videoReps = [...p.video]
    .sort((a, b) => measureTrack(a).peakBps - measureTrack(b).peakBps)
    .map(
      (v) =>
        `      <Representation id="${escapeAttr(v.dir)}" bandwidth="${measureTrack(v).peakBps}" ` +
        `width="${v.width}" height="${v.height}" sar="1:1" codecs="${v.codecs}">\n` +
        `        ${segmentTemplate(v, b(v))}\n      </Representation>`,
    );
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" ' +
      `type="static" mediaPresentationDuration="${isoDuration(p.durationS)}" minBufferTime="${isoDuration(p.segmentS)}">`,
    '  <Period id="0" start="PT0S">',
    '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" ' +
      `maxWidth="${maxW}" maxHeight="${maxH}"${fr === undefined ? '' : ` frameRate="${fr.num}/${fr.den}"`}>`,
    ...videoReps,
    '    </AdaptationSet>',
  ];
  p.audio.forEach((a, i) => {
    parts.push(...audioAdaptationSet(a, i + 1, b(a)));
  });
  p.subtitles.forEach((t, i) => {
    parts.push(...textAdaptationSet(t, p.audio.length + i + 1, base));
  });
  parts.push('  </Period>', '</MPD>', '');
  return parts.join('\n');
}
