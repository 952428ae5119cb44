import createError from '@fastify/error';

/**
 * Every error the HTTP API answers with, in one catalogue: stable codes clients and tests
 * match on, and the status each maps to.
 */
export const HttpErrors = {
  TitleNotFound: createError<[string]>('VF_TITLE_NOT_FOUND', 'Title %s does not exist', 404),
  TitleNotReady: createError<[string, string]>('VF_TITLE_NOT_READY', 'Title %s is not ready (state: %s)', 409),
  MediaNotFound: createError<[string]>('VF_MEDIA_NOT_FOUND', 'No media at %s', 404),
  MasterAlreadyUploaded: createError<[string, string]>('VF_MASTER_ALREADY_SET', 'Title %s already has a master (state: %s)', 409),
  UploadInProgress: createError<[string]>('VF_UPLOAD_IN_PROGRESS', 'Another upload of the master of title %s is in progress', 409),
  UploadClaimLost: createError<[string]>(
    'VF_UPLOAD_CLAIM_LOST',
    'The upload of title %s lost its claim (its lease ran out or the title changed); nothing of it was kept',
    409,
  ),
  UploadTooLarge: createError<[number]>('VF_UPLOAD_TOO_LARGE', 'Master exceeds the upload limit of %d bytes', 413),
  UploadAborted: createError('VF_UPLOAD_ABORTED', 'Upload was interrupted before the body was complete', 400),
  // Resumable (tus) uploads: the protocol's statuses, with the catalogue's codes.
  UploadNotFound: createError('VF_UPLOAD_NOT_FOUND', 'No resumable upload at this URL', 404),
  UploadExpired: createError<[number]>(
    'VF_UPLOAD_EXPIRED',
    'This upload was left unfinished for more than %d s and its parts were deleted; start a new one',
    410,
  ),
  UploadOffsetMismatch: createError('VF_UPLOAD_OFFSET_MISMATCH', 'Upload-Offset is not where the upload stands; ask with HEAD', 409),
  UploadLocked: createError('VF_UPLOAD_LOCKED', 'Another request is writing to this upload; retry shortly', 423),
  UploadChecksumMismatch: createError(
    'VF_UPLOAD_CHECKSUM_MISMATCH',
    'The body does not match its Upload-Checksum; none of it was kept',
    460,
  ),
  UploadChecksumInvalid: createError<[string]>('VF_UPLOAD_CHECKSUM_INVALID', '%s', 400),
  UploadMetadataInvalid: createError<[string]>('VF_UPLOAD_METADATA_INVALID', '%s', 400),
  UploadComplete: createError('VF_UPLOAD_COMPLETE', 'The upload is complete: a completed upload cannot be changed or terminated', 409),
  TusVersionUnsupported: createError('VF_TUS_VERSION_UNSUPPORTED', 'Tus-Resumable must be 1.0.0', 412),
  TusExtensionUnsupported: createError<[string]>('VF_TUS_EXTENSION_UNSUPPORTED', '%s', 501),
  // Direct-to-bucket uploads.
  DirectUploadNeedsS3: createError(
    'VF_DIRECT_UPLOAD_NEEDS_S3',
    'Direct uploads go straight to an S3 bucket and this API stores masters in a local directory: use the resumable upload (/v1/uploads) instead',
    501,
  ),
  DirectUploadNotFound: createError<[string, string]>('VF_DIRECT_UPLOAD_NOT_FOUND', 'Title %s has no direct upload %s in progress', 404),
  DirectUploadInvalid: createError<[string]>('VF_DIRECT_UPLOAD_INVALID', '%s', 400),
  MasterSizeMismatch: createError<[number, number]>(
    'VF_MASTER_SIZE_MISMATCH',
    'The parts make %d bytes, not the %d declared; nothing was kept',
    422,
  ),
  SourceKeyNotFound: createError<[string]>('VF_SOURCE_KEY_NOT_FOUND', 'No object at key %s in storage', 422),
  SubtitleInvalid: createError<[string]>('VF_SUBTITLE_INVALID', 'Subtitle file refused: %s', 400),
  SubtitlesNotFound: createError<[string, string]>('VF_SUBTITLES_NOT_FOUND', 'Title %s has no subtitle file for %s', 404),
  TitleFailed: createError<[string]>('VF_TITLE_FAILED', 'Title %s failed: nothing can be added to it', 409),
  InvalidKey: createError<[string]>('VF_INVALID_KEY', 'Invalid storage key %s', 400),
  Unauthenticated: createError('VF_UNAUTHENTICATED', 'A valid API key is required (header x-api-key or Authorization: Bearer)', 401),
  Forbidden: createError<[string, string]>('VF_FORBIDDEN', 'A %s key may not call a route for %s', 403),
  KeyNotFound: createError<[string]>('VF_KEY_NOT_FOUND', 'API key %s does not exist', 404),
  InvalidJson: createError<[string]>('VF_INVALID_JSON', 'The request body is not valid JSON: %s', 400),
  BodyTooLarge: createError('VF_BODY_TOO_LARGE', 'The request body is larger than this route accepts', 413),
  UnsupportedMediaType: createError<[string]>('VF_UNSUPPORTED_MEDIA_TYPE', 'This route does not accept a body of type %s', 415),
  RouteNotFound: createError<[string, string]>('VF_ROUTE_NOT_FOUND', 'No route %s %s', 404),
  Busy: createError<[string, number]>('VF_BUSY', 'The API is at its limit for %s; retry in %d s', 503),
  RateLimited: createError<[number, number]>(
    'VF_RATE_LIMITED',
    'More than %d requests a minute with this key or address; retry in %d s',
    429,
  ),
  Overloaded: createError('VF_OVERLOADED', 'The API is overloaded (event-loop delay or memory past its limit); retry shortly', 503),
  QueueUnavailable: createError('VF_QUEUE_UNAVAILABLE', 'The job queue (Redis) is unavailable; try again shortly', 503),
  FillPlanNotFound: createError<[string]>('VF_FILL_PLAN_NOT_FOUND', 'Fill plan %s does not exist', 404),
  FillPlanNotProposed: createError<[string, string]>(
    'VF_FILL_PLAN_NOT_PROPOSED',
    'Fill plan %s is %s: only a proposed plan can be approved or rejected',
    409,
  ),
  /** The planner's own validation (time zones, duplicate ids, cluster regions): the message names the field. */
  FillPlanInvalid: createError<[string]>('VF_FILL_PLAN_INVALID', '%s', 400),
  FillPlanSecondKeyRequired: createError<[string, number]>(
    'VF_FILL_PLAN_SECOND_KEY_REQUIRED',
    'This key has approved fill plan %s already; approval takes %d different keys',
    409,
  ),
  FillPlanTooLarge: createError<[number]>(
    'VF_FILL_PLAN_TOO_LARGE',
    'Planning this request needs more than the %d MB a plan may use in the API; plan it offline with `vodforge plan`',
    422,
  ),
  /** A body checked against its schema away from the route (a plan in its thread): the message names the field. */
  InvalidRequest: createError<[string]>('VF_INVALID_REQUEST', '%s', 400),
  ArtworkNotReady: createError<[string, string]>(
    'VF_ARTWORK_NOT_READY',
    'Artwork of title %s has not been computed (title state: %s)',
    409,
  ),
  ArtworkImageNotFound: createError<[string]>('VF_ARTWORK_IMAGE_NOT_FOUND', 'No artwork image %s', 404),
  ArtworkCandidateNotFound: createError<[string, number]>(
    'VF_ARTWORK_CANDIDATE_NOT_FOUND',
    'Title %s has no artwork candidate at %d s',
    404,
  ),
  ArtworkNotPinnable: createError<[number, string]>('VF_ARTWORK_NOT_PINNABLE', 'The candidate at %d s cannot be pinned: %s', 422),
  ArtworkNotAnImage: createError<[string]>('VF_ARTWORK_NOT_AN_IMAGE', 'The upload is not a readable image: %s', 415),
  ArtworkImageTooSmall: createError<[number, number, number]>(
    'VF_ARTWORK_IMAGE_TOO_SMALL',
    'Image is %dx%d px; its short side must be at least %d px',
    422,
  ),
  ArtworkImageTooLarge: createError<[number]>('VF_ARTWORK_IMAGE_TOO_LARGE', 'Image exceeds the upload limit of %d bytes', 413),
} as const;
