/**
 * A tensor shape as people read it: fixed sizes as numbers, symbolic (dynamic) dimensions by their
 * name, and an unnamed or unknown one as `?` (onnxruntime reports an unnamed symbolic dimension as ""
 * and an unknown one as -1; `[1, , , ]` said nothing).
 */
export function formatShape(shape: readonly (number | string | null | undefined)[]): string {
  return `[${shape.map(formatDim).join(', ')}]`;
}

export function formatDim(d: number | string | null | undefined): string {
  if (typeof d === 'number') return d >= 0 ? String(d) : '?';
  if (typeof d === 'string' && d.trim() !== '') return d;
  return '?';
}

/** A dimension whose size is known from the graph alone. */
export function isFixedDim(d: number | string | null | undefined): d is number {
  return typeof d === 'number' && d > 0;
}
