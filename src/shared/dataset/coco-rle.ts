/**
 * COCO run-length encoding as pycocotools defines it (`maskApi.c`: rleEncode, rleToString,
 * rleFrString, rleDecode).
 *
 * - Pixels are scanned column-major (Fortran order: down the first column, then the next), whatever
 *   the row-major layout of Parsel's masks.
 * - `counts` alternates run lengths of 0s and 1s and always starts with a (possibly empty) run of 0s.
 * - The compressed string: each count (from the third on, minus the count two places before it) is
 *   written as a little-endian sequence of 5-bit groups, each offset by 48 ('0'); bit 0x20 marks
 *   "more groups follow", and bit 0x10 of the last group is the sign.
 *
 * Pure TypeScript (no Node, no DOM).
 */

export interface CocoRle {
  /** [height, width], as pycocotools writes it. */
  size: [number, number];
  counts: string;
}

/** Run lengths (column-major, starting with 0s) of `mask[i] === value` over a row-major w×h mask. */
export function binaryRuns(mask: Uint8Array, width: number, height: number, value: number): number[] {
  if (mask.length !== width * height) throw new Error(`coco-rle: mask has ${mask.length} bytes, expected ${width}×${height}`);
  const counts: number[] = [];
  let cur = 0; // value of the current run: 0 = not the class, 1 = the class
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < mask.length; i += width) {
      const b = mask[i] === value ? 1 : 0;
      if (b !== cur) {
        counts.push(run);
        run = 0;
        cur = b;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** pycocotools `rleToString`: counts → compressed ASCII string. */
export function countsToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Arithmetic shift by 5 (works beyond 32 bits, unlike >>).
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools `rleFrString`: compressed string → counts. Throws on characters outside '0'..'o'. */
export function stringToCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error(`coco-rle: counts string ends inside a number (at ${p})`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`coco-rle: invalid character ${JSON.stringify(s[p])} at ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k); // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Encode the pixels equal to `value` of a row-major index mask. */
export function encodeBinary(mask: Uint8Array, width: number, height: number, value: number): CocoRle {
  return { size: [height, width], counts: countsToString(binaryRuns(mask, width, height, value)) };
}

/** Decode to a row-major 0/1 mask; throws when the runs do not add up to h×w or a run is negative. */
export function decodeBinary(rle: CocoRle): Uint8Array {
  const [h, w] = rle.size;
  const counts = stringToCounts(rle.counts);
  const out = new Uint8Array(w * h);
  let pos = 0; // column-major position
  let v = 0;
  for (const n of counts) {
    if (n < 0) throw new Error(`coco-rle: negative run length ${n}`);
    if (pos + n > w * h) throw new Error(`coco-rle: runs cover more than ${h}×${w} pixels`);
    if (v) {
      for (let k = pos; k < pos + n; k++) out[(k % h) * w + Math.floor(k / h)] = 1;
    }
    pos += n;
    v ^= 1;
  }
  if (pos !== w * h) throw new Error(`coco-rle: runs cover ${pos} pixels, expected ${h}×${w} = ${w * h}`);
  return out;
}

/** pycocotools `area` and `toBbox` ([x, y, w, h]) of the pixels equal to `value` (row-major mask). */
export function areaAndBbox(mask: Uint8Array, width: number, height: number, value: number): { area: number; bbox: [number, number, number, number] } {
  let area = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (mask[i] !== value) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (area === 0) return { area: 0, bbox: [0, 0, 0, 0] };
  return { area, bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] };
}
