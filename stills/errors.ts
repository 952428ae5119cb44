/**
 * The master gave no frame where one was needed: not a single candidate in the whole pass, or
 * not the chosen frame of a still. Retryable (the master was published, so it decodes: a read
 * from storage that failed part way is the likely cause). A still that cannot be decoded costs
 * only its own frame.
 */
export class FrameNotDecodedError extends Error {
  override readonly name = 'FrameNotDecodedError';
  readonly code = 'VF_ARTWORK_NO_FRAME';
}
