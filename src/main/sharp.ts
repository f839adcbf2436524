/**
 * sharp, configured for Parsel; every module of the main process and its workers imports it from here
 * (lint enforces it).
 *
 * libvips' operation cache is keyed by the input's path and options; sharp's maintainers advise turning
 * it off when input files can change on disk (lovell/sharp issues 1497, 1984), as Parsel's images can
 * (it notices by their sha256). The libvips shipped now re-reads a file rewritten in place even with the
 * cache on (test/integration/inference.test.ts checks the behaviour, not this setting), so this is a
 * guard for other builds; no pipeline here reads one input twice in a row, which the cache would speed up.
 */
import sharp from 'sharp';

sharp.cache(false);

export default sharp;
export type { Sharp } from 'sharp';
