/**
 * Binary-safe message framing for the WebSocket transport.
 *
 * A message is any JSON-like value that may contain Uint8Arrays (masks, thumbnails). Frames are:
 *   u32 little-endian JSON length | UTF-8 JSON | blob 0 | blob 1 | ...
 * Each Uint8Array in the value is replaced in the JSON by `{"$bin": i, "n": byteLength}`.
 * This keeps masks as raw bytes on the wire (base64 would cost a third more and a copy per side).
 */

const BIN_KEY = '$bin';

export function encodeFrame(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      blobs.push(v);
      return { [BIN_KEY]: blobs.length - 1, n: v.byteLength };
    }
    return v;
  });
  const head = new TextEncoder().encode(json);
  let total = 4 + head.byteLength;
  for (const b of blobs) total += b.byteLength;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  let off = 4 + head.byteLength;
  for (const b of blobs) {
    out.set(b, off);
    off += b.byteLength;
  }
  return out;
}

export class FrameError extends Error {}

export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new FrameError('frame shorter than its header');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const jsonLen = dv.getUint32(0, true);
  if (4 + jsonLen > frame.byteLength) throw new FrameError('frame JSON length exceeds frame size');
  const json = new TextDecoder().decode(frame.subarray(4, 4 + jsonLen));
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new FrameError('frame JSON does not parse');
  }
  // Blob offsets follow the order in which JSON.stringify met them, which is the order JSON.parse's
  // reviver meets them too (both walk depth-first, keys in insertion order) — but the reviver visits
  // children before parents, so collect sizes in a first pass.
  const sizes: number[] = [];
  collectSizes(value, sizes);
  const offsets: number[] = [];
  let off = 4 + jsonLen;
  for (const n of sizes) {
    offsets.push(off);
    off += n;
  }
  if (off !== frame.byteLength) throw new FrameError('frame blob sizes do not add up to the frame size');
  return revive(value, frame, offsets, sizes);
}

function isBinRef(v: unknown): v is { $bin: number; n: number } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 2 &&
    Number.isInteger((v as Record<string, unknown>)[BIN_KEY]) &&
    Number.isInteger((v as Record<string, unknown>).n)
  );
}

function collectSizes(v: unknown, sizes: number[]): void {
  if (isBinRef(v)) {
    if (v.$bin !== sizes.length || v.n < 0) throw new FrameError('frame blob references out of order');
    sizes.push(v.n);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collectSizes(x, sizes);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) collectSizes(x, sizes);
}

function revive(v: unknown, frame: Uint8Array, offsets: number[], sizes: number[]): unknown {
  if (isBinRef(v)) {
    const start = offsets[v.$bin];
    // Copy so the result owns an aligned buffer of its own (callers may build typed views over it).
    return frame.slice(start, start + sizes[v.$bin]);
  }
  if (Array.isArray(v)) return v.map((x) => revive(x, frame, offsets, sizes));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const value = revive(x, frame, offsets, sizes);
      // `out["__proto__"] = value` would make value the prototype (its fields inherited, the key gone),
      // where JSON.parse made an own key that the validator must see and refuse: define it instead.
      if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      else out[k] = value;
    }
    return out;
  }
  return v;
}

/** Messages of the WebSocket protocol. */
export type ClientMessage = { t: 'call'; id: number; method: string; payload: unknown };
export type ServerMessage =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { code: string; message: string; details?: unknown } }
  | { t: 'event'; event: string; payload: unknown };
