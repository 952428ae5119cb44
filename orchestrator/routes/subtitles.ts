import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody, TitleId } from '../schemas.ts';
import { canonicalTag, languageOf } from '../../packaging/language.ts';
import { parseSubtitles, SubtitleFormatError, toWebVtt } from '../../packaging/subtitles.ts';
import { publishSidecars } from '../../pipeline/publish.ts';
import { titlePrefix, type SubtitleSidecar } from '../../titles/model.ts';

/** Largest subtitle file accepted: a feature film's SRT is 50-150 KB; 2 MiB leaves room for styled WebVTT. */
export const MAX_SUBTITLE_BYTES = 2 * 1024 * 1024;

const SUBTITLE_TYPES = ['text/vtt', 'application/x-subrip', 'text/plain'] as const;

const SubtitleParams = Type.Object(
  { id: TitleId, language: Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$', description: 'BCP-47 language tag' }) },
  { additionalProperties: false },
);

const SubtitleQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'What players list; default: the language name' })),
    forced: Type.Optional(Type.Boolean({ description: 'Forced subtitles (signs, foreign dialogue)', default: false })),
  },
  { additionalProperties: false },
);

const SidecarView = Type.Object({
  id: Type.String(),
  language: Type.String(),
  name: Type.String(),
  isForced: Type.Boolean(),
  cueCount: Type.Integer(),
  published: Type.Boolean({
    description: 'Already in the manifests (the title is ready); otherwise it will be when the title is published',
  }),
});

/** UTF-8 text, or a clear refusal: a subtitle file in another encoding would show as mojibake. */
function textOf(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpErrors.SubtitleInvalid('line 1: not UTF-8 text (save the file as UTF-8)');
  }
}

/**
 * Subtitle files beside the master: SRT or WebVTT, one per language, validated and stored as
 * WebVTT. Uploaded before `ready`, they are published with the title; after, the title's
 * manifests are rewritten to list them (a new manifest revision, see pipeline/publish.ts).
 */
export const subtitleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { titles, store } = deps;
  for (const type of SUBTITLE_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_SUBTITLE_BYTES }, (_req, body, done) => done(null, body));
  }

  app.put(
    '/v1/titles/:id/subtitles/:language',
    {
      bodyLimit: MAX_SUBTITLE_BYTES,
      schema: {
        tags: ['titles'],
        summary: 'Add or replace the subtitles of a language: SRT or WebVTT (Content-Type text/vtt, application/x-subrip or text/plain)',
        params: SubtitleParams,
        querystring: SubtitleQuery,
        consumes: [...SUBTITLE_TYPES],
        response: { 201: SidecarView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const language = canonicalTag(req.params.language);
      if (language === undefined || languageOf(language).unknown !== undefined) {
        throw new HttpErrors.InvalidRequest(`params/language: ${JSON.stringify(req.params.language)} names no known language`);
      }
      const t = await titles.get(id);
      if (t === undefined) throw new HttpErrors.TitleNotFound(id);
      if (t.state === 'failed') throw new HttpErrors.TitleFailed(id);
      if (!Buffer.isBuffer(req.body)) throw new HttpErrors.SubtitleInvalid('line 1: no subtitle text in the body');
      const text = textOf(req.body);
      const format = /^\uFEFF?WEBVTT(?:[ \t]|\r?\n|\r|$)/.test(text) ? 'vtt' : 'srt';
      let vtt: string;
      let cueCount: number;
      try {
        const cues = parseSubtitles(text, format);
        if (cues.length === 0) throw new SubtitleFormatError('SUBTITLE_MALFORMED', 1, 'the file has no cue');
        vtt = toWebVtt(cues);
        cueCount = cues.length;
      } catch (err) {
        if (err instanceof SubtitleFormatError)
          throw new HttpErrors.SubtitleInvalid(`${format === 'vtt' ? 'WebVTT' : 'SRT'}: ${err.message}`);
        throw err;
      }
      const hash = createHash('sha256').update(vtt).digest('hex').slice(0, 8);
      const sidecar: SubtitleSidecar = {
        id: `s-${language}-${hash}`,
        language,
        name: req.query.name ?? languageOf(language).displayName ?? language,
        isForced: req.query.forced ?? false,
        isDefault: false,
        key: `${titlePrefix(id)}subtitles/${language}-${hash}.vtt`,
        cueCount,
      };
      await store.put(sidecar.key, vtt, { contentType: 'text/vtt; charset=utf-8' });
      if (!(await titles.setSidecar(id, sidecar))) throw new HttpErrors.TitleNotFound(id);
      const published = (await publishSidecars({ store, titles }, id)) !== 'not-ready';
      const { key: _key, isDefault: _isDefault, ...view } = sidecar;
      return reply.status(201).send({ ...view, published });
    },
  );

  app.delete(
    '/v1/titles/:id/subtitles/:language',
    {
      schema: {
        tags: ['titles'],
        summary: 'Remove the subtitles of a language uploaded beside the master (the manifests stop listing them)',
        params: Type.Object({ id: TitleId, language: Type.String({ minLength: 2, maxLength: 35 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const language = canonicalTag(req.params.language) ?? req.params.language;
      if (!(await titles.removeSidecar(id, language))) throw new HttpErrors.SubtitlesNotFound(id, language);
      await publishSidecars({ store, titles }, id);
      return reply.status(204).send(null);
    },
  );
};
