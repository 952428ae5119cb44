/**
 * PSNR of stretches taken together, in dB: their MSEs averaged by weight and turned back into
 * dB, as ffmpeg's `psnr` summary defines a title's figure (the mean MSE over its frames). A
 * mean of the dB figures overstates a title that is mostly easy and partly hard: 45 dB over
 * half of it and 30 dB over the other half is 32.9 dB, not 37.5. Pure.
 */
export function pooledPsnrDb(parts: readonly { readonly psnrDb: number; readonly weight: number }[]): number {
  let weight = 0;
  let mse = 0;
  for (const p of parts) {
    if (!(p.weight >= 0) || Number.isNaN(p.psnrDb))
      throw new RangeError(`Expected a weight >= 0 and a PSNR, got ${p.weight} and ${p.psnrDb}`);
    weight += p.weight;
    mse += p.weight * 10 ** (-p.psnrDb / 10);
  }
  if (!(weight > 0)) throw new RangeError('no weighted PSNR to pool');
  return -10 * Math.log10(mse / weight);
}
