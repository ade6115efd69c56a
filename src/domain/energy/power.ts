/** Facility power of `gpus` busy GPUs in MW: IT power times the site's PUE. */
export function jobPowerMw(gpus: number, kwPerGpu: number, pue: number): number {
  return (gpus * kwPerGpu * pue) / 1000;
}
