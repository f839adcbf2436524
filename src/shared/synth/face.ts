/**
 * Deterministic synthetic face generator: an RGB image and an exact index mask in any label schema.
 *
 * Coordinates
 *   - Scene: origin at the image centre, unit = min(width, height) pixels. Every random draw happens
 *     before rasterisation and is independent of the resolution, so the same seed at another size gives
 *     the same face, scaled.
 *   - Face: origin at the centre of the head ellipse (about eye level), unit = half the face width at
 *     the cheekbones, x to the image's right, y down. A face is placed by centre, scale and roll
 *     (in-plane rotation, radians, positive = clockwise on screen). Yaw (radians, positive = the face
 *     turns toward the image's right) is approximated: points on the face surface are moved with
 *     x' = x cos(yaw) + z sin(yaw) where z is the depth of a sphere-like head; the silhouette stays put,
 *     so the far ear slides behind the head and the features crowd toward the far side.
 *
 * Left/right: `l_*` is the SUBJECT's left, which appears on the IMAGE's right for a frontal face
 * (iBUG landmark 36 is the subject's right eye's outer corner, on the image's left).
 *
 * The mask is exactly what was painted, in paint order (later parts cover earlier ones). See labels.ts
 * for the class a part gets when the schema has no class for it.
 */
import type { LabelSchema } from '../api/types';
import { BENEATH, type LabelMap, resolveLabels } from '../schema/parts';
import { Canvas, ring } from './raster';
import { Rng } from '../random';
import { Kind, Materials, makeFrame, shade, type Frame, type Rgb3 } from './shade';

export interface SynthOptions {
  seed: number;
  width: number;
  height: number;
  schema: LabelSchema;
  /** Number of faces (default 1). The second face is smaller and behind the first. */
  faces?: 1 | 2;
  /** Per-pixel image noise amplitude, 0..1 (default 0.08). Does not affect the mask. */
  noise?: number;
  /** Probability of each accessory per face (defaults: glasses 0.15, hat 0.08, earring 0.2, necklace 0.15). */
  accessories?: { glasses?: number; hat?: number; earring?: number; necklace?: number };
  /**
   * Override the drawn pose of the main face (radians). The random draws are made anyway, so the rest
   * of the face is the same as without the override.
   */
  pose?: { yaw?: number; roll?: number };
}

export interface SynthFaceInfo {
  /** Bounds of the head-skin outline (skull top to chin, cheek to cheek) in pixels, clipped to the image. */
  box: [number, number, number, number];
  yaw: number;
  roll: number;
  /** 68 iBUG-style points in pixels (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth). */
  landmarks: [number, number][];
}

export interface SynthFace {
  width: number;
  height: number;
  /** width*height*3, RGB. */
  rgb: Uint8Array;
  /** width*height, schema indices. */
  mask: Uint8Array;
  /** The main face first. */
  faces: SynthFaceInfo[];
}

const DEFAULT_ACCESSORIES = { glasses: 0.15, hat: 0.08, earring: 0.2, necklace: 0.15 };

// ---------------------------------------------------------------------------------------------------
// Random parameters (face units)

type HairStyle = 'bald' | 'short' | 'medium' | 'long';

interface FaceParams {
  // placement (scene units)
  cx: number;
  cy: number;
  size: number;
  roll: number;
  yaw: number;
  // head
  headTop: number;
  chinY: number;
  jawP: number;
  // eyes
  eyeX: number;
  eyeY: number;
  eyeW: number;
  eyeH: number;
  eyeLow: number;
  eyeTilt: number;
  gazeX: number;
  gazeY: number;
  irisR: number;
  // brows
  browY: number;
  browIn: number;
  browOut: number;
  browT: number;
  browArch: number;
  // nose
  noseTop: number;
  noseTip: number;
  noseW: number;
  bridgeW: number;
  // mouth
  mouthY: number;
  mouthW: number;
  upperH: number;
  lowerH: number;
  open: number;
  smile: number;
  bowDip: number;
  teeth: boolean;
  // ears
  earY: number;
  earW: number;
  earH: number;
  // body
  neckW: number;
  neckLen: number;
  shoulderW: number;
  shoulderDrop: number;
  neckline: 'round' | 'v' | 'high';
  // hair
  hair: HairStyle;
  volX: number;
  volY: number;
  sideY: number;
  templeY: number;
  hairlineY: number;
  part: number;
  fringe: boolean;
  fringeY: number;
  fringePhase: number;
  fringeSlope: number;
  hairLen: number;
  hairFlare: number;
  frontLocks: boolean;
  // colours
  skin: Rgb3;
  hairColor: Rgb3;
  hairHi: Rgb3;
  browColor: Rgb3;
  lipColor: Rgb3;
  irisColor: Rgb3;
  clothColor: Rgb3;
  clothColor2: Rgb3;
  clothStripes: number;
  clothAngle: number;
  blush: number;
  // accessories
  glasses: null | {
    sun: boolean;
    w: number;
    h: number;
    q: number;
    t: number;
    color: Rgb3;
    metal: boolean;
  };
  hat: null | { style: 'beanie' | 'brim'; y: number; color: Rgb3; color2: Rgb3; brimW: number; brimH: number; crownH: number };
  earring: null | { style: 'stud' | 'drop' | 'hoop'; r: number; color: Rgb3 };
  necklace: null | { y: number; t: number; pendant: number; color: Rgb3; pearls: boolean };
}

const SKIN_TONES: Rgb3[] = [
  [255, 226, 204],
  [241, 200, 172],
  [228, 178, 142],
  [205, 145, 108],
  [172, 114, 80],
  [130, 84, 58],
  [92, 60, 42],
];

const HAIR_COLORS: Rgb3[] = [
  [28, 24, 22],
  [55, 38, 28],
  [95, 62, 38],
  [140, 96, 58],
  [196, 158, 98],
  [150, 62, 30],
  [165, 160, 155],
  [60, 70, 140],
  [170, 70, 120],
];
const HAIR_WEIGHTS = [24, 22, 16, 10, 10, 5, 5, 1, 1];

const IRIS_COLORS: Rgb3[] = [
  [92, 56, 30],
  [52, 34, 22],
  [70, 110, 165],
  [84, 124, 74],
  [118, 128, 138],
  [132, 100, 50],
];

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function mixRgb(a: Rgb3, b: Rgb3, t: number): Rgb3 {
  return [lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t)];
}

function scaleRgb(a: Rgb3, s: number, sg = s, sb = s): Rgb3 {
  return [a[0] * s, a[1] * sg, a[2] * sb];
}

function randomColor(rng: Rng): Rgb3 {
  const kind = rng.next();
  if (kind < 0.2) {
    const g = rng.uniform(15, 235);
    return [g, g, g * rng.uniform(0.95, 1.05)];
  }
  // random hue, moderate saturation
  const h = rng.uniform(0, 6);
  const sat = rng.uniform(0.25, 0.85);
  const val = rng.uniform(60, 230);
  const f = h - Math.floor(h);
  const p = val * (1 - sat);
  const q = val * (1 - sat * f);
  const t = val * (1 - sat * (1 - f));
  switch (Math.floor(h)) {
    case 0:
      return [val, t, p];
    case 1:
      return [q, val, p];
    case 2:
      return [p, val, t];
    case 3:
      return [p, q, val];
    case 4:
      return [t, p, val];
    default:
      return [val, p, q];
  }
}

function drawFaceParams(rng: Rng, acc: Required<NonNullable<SynthOptions['accessories']>>): FaceParams {
  // Each group uses its own stream so that changing one group does not shift the others.
  const g = rng.fork(1);
  const e = rng.fork(2);
  const m = rng.fork(3);
  const h = rng.fork(4);
  const c = rng.fork(5);
  const a = rng.fork(6);
  const pose = rng.fork(7);

  const eyeW = e.uniform(0.15, 0.2);
  const eyeY = e.uniform(-0.06, 0.05);
  const eyeX = e.uniform(0.36, 0.43);
  const browY = eyeY - e.uniform(0.2, 0.3);
  const noseTip = g.uniform(0.4, 0.52);
  const mouthY = noseTip + m.uniform(0.26, 0.34);
  const chinY = mouthY + g.uniform(0.4, 0.5);
  const headTop = g.uniform(1.3, 1.45);
  const open = m.chance(0.35) ? m.uniform(0.03, 0.16) : 0;

  const skinT = c.uniform(0, SKIN_TONES.length - 1);
  const si = Math.min(SKIN_TONES.length - 2, Math.floor(skinT));
  let skin = mixRgb(SKIN_TONES[si], SKIN_TONES[si + 1], skinT - si);
  skin = scaleRgb(skin, c.uniform(0.95, 1.05), c.uniform(0.95, 1.03), c.uniform(0.93, 1.05));
  const hairColor = scaleRgb(c.pickWeighted(HAIR_COLORS, HAIR_WEIGHTS), c.uniform(0.85, 1.15));
  const hairHi = mixRgb(hairColor, [255, 240, 220], c.uniform(0.2, 0.45));
  const browColor = mixRgb(hairColor, [40, 30, 25], hairColor[0] > 120 ? 0.5 : 0.15);
  const lipstick = c.chance(0.15);
  const lipColor: Rgb3 = lipstick
    ? [c.uniform(150, 215), c.uniform(15, 55), c.uniform(40, 95)]
    : scaleRgb(mixRgb(skin, [196, 84, 92], c.uniform(0.4, 0.6)), c.uniform(0.8, 0.95));
  const irisColor = c.pick(IRIS_COLORS);
  const clothColor = randomColor(c);
  const clothColor2 = c.chance(0.5) ? randomColor(c) : scaleRgb(clothColor, 0.7);
  const clothStripes = c.chance(0.2) ? c.uniform(6, 14) : 0;
  const clothAngle = c.uniform(0, Math.PI);
  const blush = c.uniform(0, 0.25);

  const hair = h.pickWeighted<HairStyle>(['bald', 'short', 'medium', 'long'], [0.04, 0.36, 0.25, 0.35]);
  const fringe = hair !== 'bald' && h.chance(0.3);

  const glassesOn = a.chance(acc.glasses);
  const glasses: FaceParams['glasses'] = glassesOn
    ? {
        sun: a.chance(0.25),
        w: eyeW * a.uniform(1.45, 1.75),
        h: eyeW * a.uniform(0.95, 1.25),
        q: a.uniform(2.2, 4.5),
        t: a.uniform(0.025, 0.055),
        color: a.pick<Rgb3>([
          [25, 25, 28],
          [88, 54, 30],
          [175, 175, 180],
          [150, 30, 40],
        ]),
        metal: a.chance(0.3),
      }
    : null;
  const hatOn = a.chance(acc.hat);
  const hatColor = randomColor(a);
  const hat: FaceParams['hat'] = hatOn
    ? {
        style: a.chance(0.5) ? 'beanie' : 'brim',
        y: browY - a.uniform(0.25, 0.5),
        color: hatColor,
        color2: randomColor(a),
        brimW: a.uniform(1.45, 1.85),
        brimH: a.uniform(0.1, 0.18),
        crownH: a.uniform(0.75, 1.1),
      }
    : null;
  const earringOn = a.chance(acc.earring);
  const metalColor: Rgb3 = a.chance(0.5) ? [212, 172, 60] : [200, 200, 206];
  const earring: FaceParams['earring'] = earringOn
    ? { style: a.pick(['stud', 'drop', 'hoop'] as const), r: a.uniform(0.035, 0.055), color: metalColor }
    : null;
  const necklaceOn = a.chance(acc.necklace);
  const necklace: FaceParams['necklace'] = necklaceOn
    ? {
        y: a.uniform(-0.15, 0.3),
        t: a.uniform(0.022, 0.045),
        pendant: a.chance(0.5) ? a.uniform(0.05, 0.085) : 0,
        color: metalColor,
        pearls: a.chance(0.3),
      }
    : null;

  return {
    cx: 0,
    cy: 0,
    size: 1,
    roll: pose.normalClamped(0, 0.12, -0.35, 0.35),
    yaw: pose.normalClamped(0, 0.2, -0.45, 0.45),
    headTop,
    chinY,
    jawP: g.uniform(1.7, 2.3),
    eyeX,
    eyeY,
    eyeW,
    eyeH: eyeW * e.uniform(0.32, 0.45),
    eyeLow: e.uniform(0.55, 0.8),
    eyeTilt: e.normal(0.02, 0.025),
    gazeX: e.normalClamped(0, 0.25, -0.5, 0.5),
    gazeY: e.normalClamped(-0.05, 0.1, -0.3, 0.2),
    irisR: eyeW * e.uniform(0.45, 0.55),
    browY,
    browIn: e.uniform(0.08, 0.15),
    browOut: eyeX + eyeW + e.uniform(0.02, 0.1),
    browT: e.uniform(0.035, 0.06),
    browArch: e.uniform(0.02, 0.08),
    noseTop: eyeY - 0.02,
    noseTip,
    noseW: g.uniform(0.16, 0.23),
    bridgeW: g.uniform(0.055, 0.085),
    mouthY,
    mouthW: m.uniform(0.27, 0.36),
    upperH: m.uniform(0.06, 0.1),
    lowerH: m.uniform(0.085, 0.13),
    open,
    smile: m.normalClamped(0.02, 0.03, -0.03, 0.08),
    bowDip: m.uniform(0.15, 0.4),
    teeth: open > 0.05 && m.chance(0.8),
    earY: g.uniform(-0.05, 0.08),
    earW: g.uniform(0.15, 0.21),
    earH: g.uniform(0.32, 0.42),
    neckW: g.uniform(0.5, 0.62),
    neckLen: g.uniform(0.75, 1.05),
    shoulderW: g.uniform(2.1, 2.7),
    shoulderDrop: g.uniform(0.35, 0.6),
    neckline: g.pickWeighted(['round', 'v', 'high'] as const, [0.6, 0.25, 0.15]),
    hair,
    volX: h.uniform(0.04, 0.2),
    volY: h.uniform(0.06, 0.28),
    sideY: h.uniform(0.0, 0.25),
    templeY: h.uniform(-0.35, -0.15),
    hairlineY: browY - h.uniform(0.35, 0.6),
    part: h.normal(0, 0.08),
    fringe,
    fringeY: browY - h.uniform(0.0, 0.16),
    fringePhase: h.uniform(0, Math.PI * 2),
    fringeSlope: h.normal(0, 0.08),
    hairLen: chinY + h.uniform(0.3, 1.7),
    hairFlare: h.uniform(0.05, 0.4),
    frontLocks: hair === 'long' && h.chance(0.5),
    skin,
    hairColor,
    hairHi,
    browColor,
    lipColor,
    irisColor,
    clothColor,
    clothColor2,
    clothStripes,
    clothAngle,
    blush,
    glasses,
    hat,
    earring,
    necklace,
  };
}

// ---------------------------------------------------------------------------------------------------
// Face transform

class FaceXf {
  readonly cr: number;
  readonly sr: number;
  readonly cy: number;
  readonly sy: number;

  constructor(
    readonly ox: number,
    readonly oy: number,
    /** pixels per face unit */
    readonly k: number,
    readonly roll: number,
    readonly yaw: number,
  ) {
    this.cr = Math.cos(roll);
    this.sr = Math.sin(roll);
    this.cy = Math.cos(yaw);
    this.sy = Math.sin(yaw);
  }

  /** Face-plane point (silhouette / body, not turned by yaw) -> pixel, appended to out. */
  flat(out: number[], x: number, y: number): void {
    out.push(this.ox + this.k * (this.cr * x - this.sr * y), this.oy + this.k * (this.sr * x + this.cr * y));
  }

  /** x after yaw for a point on the face surface (dz: extra height above the surface, e.g. nose). */
  turnX(x: number, y: number, dz = 0): number {
    const ax = x < -1 ? -1 : x > 1 ? 1 : x;
    const z = Math.sqrt(1 - ax * ax) * (1 - 0.08 * y * y) + dz;
    return x * this.cy + z * this.sy;
  }

  /** Face-surface point -> pixel (yaw applied), appended to out. */
  proj(out: number[], x: number, y: number, dz = 0): void {
    this.flat(out, this.turnX(x, y, dz), y);
  }

  point(x: number, y: number, dz = 0): [number, number] {
    const xp = this.turnX(x, y, dz);
    return [this.ox + this.k * (this.cr * xp - this.sr * y), this.oy + this.k * (this.sr * xp + this.cr * y)];
  }

  /** Material frame in face units (u = face x, v = face y, yaw not undone). */
  frame(): Frame {
    return makeFrame(this.ox, this.oy, this.k, this.roll);
  }

  /** Material frame centred at a face point, unit = `unit` face units. */
  frameAt(x: number, y: number, unit: number, dz = 0, turned = true): Frame {
    const xp = turned ? this.turnX(x, y, dz) : x;
    const px = this.ox + this.k * (this.cr * xp - this.sr * y);
    const py = this.oy + this.k * (this.sr * xp + this.cr * y);
    return makeFrame(px, py, this.k * unit, this.roll);
  }
}

/** Segments for a curve whose length is `lenFaceUnits` at `k` px per unit: fine enough, bounded. */
function segs(xf: FaceXf, lenFaceUnits: number, min = 12, max = 400): number {
  const n = Math.ceil((lenFaceUnits * xf.k) / 3);
  return n < min ? min : n > max ? max : n;
}

/** Closed Catmull–Rom spline through (x, y, dz) control points, sampled `per` points per segment. */
function catmullClosed(pts: readonly (readonly [number, number, number])[], per: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  const n = pts.length;
  for (let i = 0; i < n; i++) {
    const p0 = pts[(i - 1 + n) % n];
    const p1 = pts[i];
    const p2 = pts[(i + 1) % n];
    const p3 = pts[(i + 2) % n];
    for (let s = 0; s < per; s++) {
      const t = s / per;
      const t2 = t * t;
      const t3 = t2 * t;
      const v: [number, number, number] = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        v[c] =
          0.5 *
          (2 * p1[c] +
            (-p0[c] + p2[c]) * t +
            (2 * p0[c] - 5 * p1[c] + 4 * p2[c] - p3[c]) * t2 +
            (-p0[c] + 3 * p1[c] - 3 * p2[c] + p3[c]) * t3);
      }
      out.push(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Drawing one face

interface DrawCtx {
  canvas: Canvas;
  mats: Materials;
  labels: LabelMap;
  /** allow[] tables: only the given label may be overwritten */
  only: (label: number) => Uint8Array;
  /** allow[] table: everything except these labels */
  except: (labels: number[]) => Uint8Array;
}

function lowerHeadX(p: FaceParams, t: number): [number, number] {
  // t in [0, 1] from the left cheekbone (image left) around the chin to the right one
  const ang = Math.PI + Math.PI * t;
  const c = Math.cos(ang);
  const s = Math.max(0, -Math.sin(ang)); // >= 0 (clamped: sin(pi) is not exactly 0)
  const e = 2 / p.jawP;
  const x = Math.sign(c) * Math.pow(Math.abs(c), e);
  const y = p.chinY * Math.pow(s, e);
  return [x, y];
}

/** Head-skin outline in face units (x, y), clockwise on screen, starting at the right cheekbone. */
function headOutline(p: FaceParams, n: number): number[] {
  const pts: number[] = [];
  const jawShift = Math.sin(p.yaw) * 0.3;
  for (let i = 0; i < n; i++) {
    // upper half: from (1, 0) over the top to (-1, 0)
    const t = (Math.PI * i) / n;
    pts.push(Math.cos(t), -p.headTop * Math.sin(t));
  }
  for (let i = 0; i < n; i++) {
    const [x, y] = lowerHeadX(p, i / n);
    const r = y / p.chinY;
    pts.push(x + jawShift * r * r, y);
  }
  return pts;
}

interface FaceOut {
  landmarks: [number, number][];
  box: [number, number, number, number];
}

function drawFace(ctx: DrawCtx, p: FaceParams, xf: FaceXf, regionId: number): FaceOut {
  const { canvas, mats, labels } = ctx;
  const L = labels.of;
  const faceFrame = xf.frame();
  const nCurve = segs(xf, 3.5, 24, 720);

  // ---- materials
  const hairMat = mats.add({
    kind: Kind.Hair,
    color: p.hairColor,
    color2: p.hairHi,
    frame: faceFrame,
    params: [0, -2.6, 45, 4, 2.6 - p.headTop * 0.6, 0.9],
  });
  const skinMat = mats.add({
    kind: Kind.Skin,
    color: p.skin,
    color2: mixRgb(p.skin, [230, 110, 110], 0.6),
    frame: faceFrame,
    params: [1.05, 1.3, 0.0, 0.5, p.noseTip - 0.05, 0.22, p.blush],
  });
  const noseCenterTop = Math.sin(p.yaw) * (1 + 0.05);
  const noseCenterTip = Math.sin(p.yaw) * (1 + 0.3);
  const noseSlope = (noseCenterTip - noseCenterTop) / (p.noseTip - p.noseTop);
  const nwSlope = ((p.noseW - p.bridgeW) * Math.cos(p.yaw)) / (p.noseTip - p.noseTop);
  const noseMat = mats.add({
    kind: Kind.Nose,
    color: scaleRgb(p.skin, 0.99),
    color2: scaleRgb(mixRgb(p.skin, [215, 120, 110], 0.3), 0.92),
    frame: faceFrame,
    params: [
      noseCenterTop - noseSlope * p.noseTop,
      noseSlope,
      p.bridgeW * Math.cos(p.yaw) - nwSlope * p.noseTop,
      nwSlope,
      p.noseTip - 0.2,
      3,
    ],
  });
  const nostrilMat = mats.add({ kind: Kind.Flat, color: scaleRgb(p.skin, 0.35, 0.28, 0.27), frame: faceFrame });
  const earMat = (side: number): number =>
    mats.add({
      kind: Kind.Ear,
      color: scaleRgb(p.skin, 0.95, 0.88, 0.87),
      frame: faceFrame,
      params: [side * (xf.cy * 1.0 + 0.06), p.earY + p.earH * 0.45, p.earW * 0.6, p.earH * 0.6],
    });
  const neckMat = mats.add({
    kind: Kind.Neck,
    color: scaleRgb(p.skin, 0.93),
    frame: faceFrame,
    params: [p.chinY - 0.1, 0.55, 0.5],
  });
  const clothMat = mats.add({
    kind: Kind.Cloth,
    color: p.clothColor,
    color2: p.clothColor2,
    frame: faceFrame,
    params: [1.5, 3.5, p.clothStripes, Math.cos(p.clothAngle), Math.sin(p.clothAngle)],
  });
  const scleraMat = mats.add({ kind: Kind.Sclera, color: [236, 232, 226], frame: faceFrame, light: 0.6 });
  const lashMat = mats.add({ kind: Kind.Flat, color: scaleRgb(p.browColor, 0.45), frame: faceFrame });
  const creaseMat = mats.add({ kind: Kind.Flat, color: scaleRgb(p.skin, 0.78, 0.72, 0.72), frame: faceFrame });
  const browMat = mats.add({ kind: Kind.Brow, color: p.browColor, frame: faceFrame, params: [7, 60] });
  const upperLipMat = mats.add({
    kind: Kind.Lip,
    color: scaleRgb(p.lipColor, 0.9),
    frame: faceFrame,
    params: [xf.turnX(0, p.mouthY, 0.1), p.mouthY - p.upperH * 0.5, 0.2, 0.05],
  });
  const lowerLipMat = mats.add({
    kind: Kind.Lip,
    color: p.lipColor,
    frame: faceFrame,
    params: [xf.turnX(0, p.mouthY, 0.1), p.mouthY + p.lowerH * 0.45, 0.2, 0.04],
  });
  const mouthMat = mats.add({
    kind: Kind.Mouth,
    color: [92, 28, 34],
    frame: xf.frameAt(0, p.mouthY, p.mouthW, 0.1),
  });
  const teethMat = mats.add({ kind: Kind.Flat, color: [232, 226, 212], frame: faceFrame, light: 0.5 });

  const tmp = (): number[] => [];

  // ---- 1. long hair behind the head
  const hx = 1 + p.volX;
  const hy = p.headTop + p.volY;
  if (p.hair === 'long' || p.hair === 'medium') {
    // medium: a bob ending around the jaw; long: down to the shoulders or below
    const len = p.hair === 'medium' ? p.chinY * 0.55 + (p.hairLen - p.chinY) * 0.3 : p.hairLen;
    const c = tmp();
    const n = nCurve;
    const bottomW = hx + (p.hair === 'medium' ? p.hairFlare * 0.4 : p.hairFlare);
    for (let i = 0; i <= n; i++) {
      const t = (Math.PI * i) / n;
      xf.flat(c, hx * Math.cos(t), -hy * Math.sin(t));
    }
    const midY = Math.min(p.chinY * 0.6, len * 0.7);
    const midX = hx + (bottomW - hx) * 0.5;
    xf.flat(c, -midX, midY);
    for (let i = 0; i <= 16; i++) {
      const x = -bottomW + (2 * bottomW * i) / 16;
      xf.flat(c, x, len + 0.06 * Math.sin(i * 1.7 + p.fringePhase) - 0.08 * (1 - (x / bottomW) ** 2));
    }
    xf.flat(c, midX, midY);
    canvas.fill([c], { label: L.hair, material: hairMat });
  }

  // ---- 2. shoulders (cloth)
  const shoulderTop = p.chinY + p.neckLen * 0.55;
  {
    const c = tmp();
    const n = 40;
    const sw = p.shoulderW;
    const nw = p.neckW + 0.05;
    const far = p.chinY + 8;
    xf.flat(c, -sw - 0.4, far);
    xf.flat(c, -sw, shoulderTop + p.shoulderDrop + 0.6);
    for (let i = 0; i <= n; i++) {
      // quarter ellipse from the outer shoulder up to the neck
      const t = (Math.PI / 2) * (i / n);
      xf.flat(c, -nw - (sw - nw) * Math.cos(t), shoulderTop + p.shoulderDrop * (1 - Math.sin(t)) + 0.05 * Math.cos(t));
    }
    xf.flat(c, 0, shoulderTop - 0.05);
    for (let i = n; i >= 0; i--) {
      const t = (Math.PI / 2) * (i / n);
      xf.flat(c, nw + (sw - nw) * Math.cos(t), shoulderTop + p.shoulderDrop * (1 - Math.sin(t)) + 0.05 * Math.cos(t));
    }
    xf.flat(c, sw, shoulderTop + p.shoulderDrop + 0.6);
    xf.flat(c, sw + 0.4, far);
    canvas.fill([c], { label: L.cloth, material: clothMat });
  }

  // ---- 3. neck (its lower edge is the neckline)
  const neckShift = Math.sin(p.yaw) * 0.15;
  const neckBottom = p.neckline === 'high' ? shoulderTop - 0.1 : shoulderTop + (p.neckline === 'v' ? 0.55 : 0.3);
  {
    const c = tmp();
    const nw = p.neckW;
    xf.flat(c, -nw * 0.95 + neckShift, 0.2);
    xf.flat(c, nw * 0.95 + neckShift, 0.2);
    xf.flat(c, nw + neckShift, shoulderTop - 0.2);
    xf.flat(c, nw + 0.1 + neckShift, shoulderTop);
    const n = 24;
    for (let i = 0; i <= n; i++) {
      const x = nw + 0.1 - ((2 * (nw + 0.1)) * i) / n;
      const r = Math.abs(x) / (nw + 0.1);
      const depth = p.neckline === 'v' ? 1 - r : p.neckline === 'round' ? Math.sqrt(Math.max(0, 1 - r * r)) : 0;
      xf.flat(c, x + neckShift, shoulderTop + (neckBottom - shoulderTop) * depth);
    }
    xf.flat(c, -nw - 0.1 + neckShift, shoulderTop);
    xf.flat(c, -nw + neckShift, shoulderTop - 0.2);
    canvas.fill([c], { label: L.neck, material: neckMat });
    if (p.neckline === 'high') {
      // turtleneck collar
      const k = tmp();
      const top = p.chinY + 0.22;
      xf.flat(k, -nw - 0.06 + neckShift, top + 0.03);
      xf.flat(k, neckShift, top - 0.02);
      xf.flat(k, nw + 0.06 + neckShift, top + 0.03);
      xf.flat(k, nw + 0.14 + neckShift, shoulderTop + 0.1);
      xf.flat(k, -nw - 0.14 + neckShift, shoulderTop + 0.1);
      canvas.fill([k], { label: L.cloth, material: clothMat });
    }
  }

  // ---- 4. necklace
  if (p.necklace) {
    const nk = p.necklace;
    const metal = mats.add({
      kind: Kind.Metal,
      color: nk.pearls ? [236, 232, 222] : nk.color,
      color2: [255, 255, 245],
      frame: faceFrame,
      params: [nk.pearls ? 30 : 70],
    });
    const nw = p.neckW * 0.98;
    const yTop = shoulderTop - 0.28;
    const yLow = Math.max(shoulderTop + 0.05, neckBottom + nk.y);
    const upper = tmp();
    const lower = tmp();
    const n = 32;
    for (let i = 0; i <= n; i++) {
      const x = -nw + (2 * nw * i) / n;
      const r = x / nw;
      const y = yTop + (yLow - yTop) * (1 - r * r);
      xf.flat(upper, x + neckShift, y - nk.t);
      xf.flat(lower, x + neckShift, y + nk.t);
    }
    const band: number[] = upper.slice();
    for (let i = lower.length - 2; i >= 0; i -= 2) band.push(lower[i], lower[i + 1]);
    canvas.fill([band], { label: L.neck_l, material: metal });
    if (nk.pendant > 0) {
      const c = tmp();
      const n2 = 24;
      for (let i = 0; i < n2; i++) {
        const t = (2 * Math.PI * i) / n2;
        xf.flat(c, neckShift + nk.pendant * Math.cos(t), yLow + nk.t + nk.pendant * (0.9 + Math.sin(t)));
      }
      canvas.fill([c], { label: L.neck_l, material: metal });
    }
  }

  // ---- 5. ears (behind the head outline; the far one slides behind the head with yaw)
  const earVisible: boolean[] = [false, false];
  const earLobe: [number, number][] = [
    [0, 0],
    [0, 0],
  ];
  for (const side of [-1, 1]) {
    const rootX = side * xf.cy - Math.sin(p.yaw) * 0.35;
    const far = side * p.yaw > 0.3;
    const covered = p.frontLocks;
    const lobeX = rootX + side * p.earW * 0.35;
    const lobeY = p.earY + p.earH * 0.92;
    earLobe[side < 0 ? 0 : 1] = [lobeX, lobeY];
    if (far) continue;
    earVisible[side < 0 ? 0 : 1] = !covered;
    const c = tmp();
    const n = 40;
    const ecx = rootX + side * p.earW * 0.25;
    const ecy = p.earY + p.earH * 0.45;
    for (let i = 0; i < n; i++) {
      const t = (2 * Math.PI * i) / n;
      const sn = Math.sin(t);
      // egg shape: wider at the top, narrow lobe at the bottom
      const w = p.earW * (sn < 0 ? 1 : 1 - 0.35 * sn);
      xf.flat(c, ecx + side * w * Math.cos(t), ecy + p.earH * 0.55 * sn);
    }
    canvas.fill([c], { label: side > 0 ? L.l_ear : L.r_ear, material: earMat(side) });
  }

  // ---- 6. head skin (sets the face region used to clip features)
  const headPts = headOutline(p, nCurve);
  const head = tmp();
  for (let i = 0; i < headPts.length; i += 2) xf.flat(head, headPts[i], headPts[i + 1]);
  canvas.fill([head], { label: L.skin, material: skinMat, setRegion: regionId });
  const inFace = { clipRegion: regionId };

  // ---- 7. nose
  const ctrl: [number, number, number][] = [];
  {
    const tp = p.noseTop;
    const tip = p.noseTip;
    const bw = p.bridgeW;
    const nw = p.noseW;
    const right: [number, number, number][] = [
      [bw, tp, 0.08],
      [bw * 1.1, lerp(tp, tip, 0.45), 0.16],
      [bw * 1.45, tip - 0.14, 0.22],
      [nw * 0.8, tip - 0.07, 0.12],
      [nw, tip + 0.01, 0.06],
      [nw * 0.75, tip + 0.07, 0.08],
      [nw * 0.3, tip + 0.075, 0.2],
    ];
    ctrl.push([0, tp - 0.015, 0.06]);
    for (const q of right) ctrl.push(q);
    ctrl.push([0, tip + 0.08, 0.25]);
    for (let i = right.length - 1; i >= 0; i--) ctrl.push([-right[i][0], right[i][1], right[i][2]]);
    const pts = catmullClosed(ctrl, Math.max(4, Math.ceil(nCurve / 24)));
    const c = tmp();
    for (const q of pts) xf.proj(c, q[0], q[1], q[2]);
    canvas.fill([c], { label: L.nose, material: noseMat, ...inFace });
    for (const side of [-1, 1]) {
      const n = 20;
      const k = tmp();
      const ncx = side * nw * 0.45;
      const ncy = tip + 0.045;
      for (let i = 0; i < n; i++) {
        const t = (2 * Math.PI * i) / n;
        const lx = nw * 0.26 * Math.cos(t);
        const ly = 0.026 * Math.sin(t);
        const a = side * 0.35;
        xf.proj(k, ncx + lx * Math.cos(a) - ly * Math.sin(a), ncy + lx * Math.sin(a) + ly * Math.cos(a), 0.12);
      }
      canvas.fill([k], { label: BENEATH, material: nostrilMat, allow: ctx.only(L.nose), ...inFace });
    }
  }

  // ---- 8. eyes
  const eyePts = (side: number): { upper: [number, number][]; lower: [number, number][] } => {
    // t from the image-left corner to the image-right corner
    const n = Math.max(12, Math.ceil(nCurve / 8));
    const cx = side * p.eyeX;
    const x0 = cx - p.eyeW;
    const x1 = cx + p.eyeW;
    // outer corner (away from the nose) raised by tilt
    const y0 = p.eyeY - (side < 0 ? p.eyeTilt : 0);
    const y1 = p.eyeY - (side > 0 ? p.eyeTilt : 0);
    const upper: [number, number][] = [];
    const lower: [number, number][] = [];
    for (let i = 0; i <= n; i++) {
      const t = i / n;
      // peak of the upper lid a little toward the nose
      const tt = side < 0 ? Math.pow(t, 0.85) : 1 - Math.pow(1 - t, 0.85);
      const x = lerp(x0, x1, t);
      const yc = lerp(y0, y1, t);
      upper.push([x, yc - p.eyeH * Math.pow(Math.sin(Math.PI * tt), 0.9)]);
      lower.push([x, yc + p.eyeH * p.eyeLow * Math.pow(Math.sin(Math.PI * t), 1.1)]);
    }
    return { upper, lower };
  };
  const eyeLm: [number, number][][] = [];
  for (const side of [-1, 1]) {
    const lab = side > 0 ? L.l_eye : L.r_eye;
    const { upper, lower } = eyePts(side);
    const c = tmp();
    for (const q of upper) xf.proj(c, q[0], q[1], 0.02);
    for (let i = lower.length - 2; i >= 1; i--) xf.proj(c, lower[i][0], lower[i][1], 0.02);
    // crease above the eye (skin) first
    const cr = tmp();
    for (const q of upper) xf.proj(cr, q[0], q[1] - p.eyeH * 0.45, 0.02);
    for (let i = upper.length - 1; i >= 0; i--) {
      const t = i / (upper.length - 1);
      xf.proj(cr, upper[i][0], upper[i][1] - p.eyeH * (0.45 - 0.15 * Math.sin(Math.PI * t)), 0.02);
    }
    canvas.fill([cr], { label: BENEATH, material: creaseMat, allow: ctx.only(L.skin), ...inFace });
    canvas.fill([c], { label: lab, material: scleraMat, ...inFace });
    const eyeOnly = ctx.only(lab);
    // iris + pupil
    const icx = side * p.eyeX + p.gazeX * p.eyeW * 0.45;
    const icy = p.eyeY + p.gazeY * p.eyeH - p.eyeH * 0.1;
    const irisMat = mats.add({
      kind: Kind.Iris,
      color: p.irisColor,
      color2: [14, 12, 12],
      frame: xf.frameAt(icx, icy, p.irisR * xf.cy, 0.02),
      params: [0.42],
      light: 0.4,
    });
    const ir = tmp();
    const ni = 32;
    for (let i = 0; i < ni; i++) {
      const t = (2 * Math.PI * i) / ni;
      xf.proj(ir, icx + p.irisR * Math.cos(t), icy + p.irisR * Math.sin(t), 0.02);
    }
    canvas.fill([ir], { label: BENEATH, material: irisMat, allow: eyeOnly, ...inFace });
    // lash line along the upper lid, inside the eye
    const lash = tmp();
    for (const q of upper) xf.proj(lash, q[0], q[1], 0.02);
    for (let i = upper.length - 1; i >= 0; i--) {
      const t = i / (upper.length - 1);
      xf.proj(lash, upper[i][0], upper[i][1] + p.eyeH * 0.22 * Math.sin(Math.PI * t) + 0.012, 0.02);
    }
    canvas.fill([lash], { label: BENEATH, material: lashMat, allow: eyeOnly, ...inFace });
    // landmarks in iBUG order for this eye
    const n = upper.length - 1;
    const at = (arr: [number, number][], f: number): [number, number] => {
      const q = arr[Math.round(f * n)];
      return xf.point(q[0], q[1], 0.02);
    };
    if (side < 0) {
      // 36 outer (image left), 37, 38 upper, 39 inner, 40, 41 lower
      eyeLm.push([at(upper, 0), at(upper, 1 / 3), at(upper, 2 / 3), at(upper, 1), at(lower, 2 / 3), at(lower, 1 / 3)]);
    } else {
      // 42 inner (image left), 43, 44 upper, 45 outer, 46, 47 lower
      eyeLm.push([at(upper, 0), at(upper, 1 / 3), at(upper, 2 / 3), at(upper, 1), at(lower, 2 / 3), at(lower, 1 / 3)]);
    }
  }

  // ---- 9. brows (curved thick strokes, thick at the inner end)
  const browLm: [number, number][][] = [];
  for (const side of [-1, 1]) {
    const lab = side > 0 ? L.l_brow : L.r_brow;
    const n = Math.max(16, Math.ceil(nCurve / 8));
    const top = tmp();
    const bottom = tmp();
    const mid: [number, number][] = [];
    for (let i = 0; i <= n; i++) {
      const t = i / n; // 0 inner -> 1 outer
      const x = side * lerp(p.browIn, p.browOut, t);
      const y = p.browY + 0.02 - p.browArch * Math.sin(Math.PI * Math.pow(t, 0.75)) + 0.05 * t * t;
      const th = p.browT * (1 - 0.6 * Math.pow(t, 1.6)) * (t < 0.08 ? 0.75 + 0.25 * (t / 0.08) : 1);
      xf.proj(top, x, y - th, 0.04);
      xf.proj(bottom, x, y + th, 0.04);
      mid.push([x, y - th * 0.5]);
    }
    const c: number[] = top.slice();
    for (let i = bottom.length - 2; i >= 0; i -= 2) c.push(bottom[i], bottom[i + 1]);
    canvas.fill([c], { label: lab, material: browMat, ...inFace });
    // 5 landmarks from image-left to image-right
    const lm: [number, number][] = [];
    for (let j = 0; j < 5; j++) {
      const q = mid[Math.round((j / 4) * n)];
      lm.push(xf.point(q[0], q[1], 0.04));
    }
    if (side < 0) lm.reverse();
    browLm.push(lm);
  }

  // ---- 10. mouth
  const mouthCurves = (t: number): { line: number; uo: number; ui: number; li: number; lo: number } => {
    const w = 1 - t * t;
    const line = p.mouthY - p.smile * t * t;
    const bow = 1 - p.bowDip * Math.exp(-((t / 0.14) ** 2)) + 0.12 * Math.exp(-(((Math.abs(t) - 0.3) / 0.15) ** 2));
    const ow = Math.pow(w, 0.7);
    return {
      line,
      uo: line - p.upperH * bow * Math.pow(w, 0.5),
      ui: line - p.open * 0.45 * ow,
      li: line + p.open * 0.55 * ow,
      lo: line + p.lowerH * Math.pow(w, 0.55),
    };
  };
  {
    const n = Math.max(24, Math.ceil(nCurve / 5));
    const ts: number[] = [];
    for (let i = 0; i <= n; i++) ts.push(-1 + (2 * i) / n);
    const X = (t: number): number => t * p.mouthW;
    const dz = (t: number): number => 0.08 * (1 - t * t);
    const up = tmp();
    for (const t of ts) xf.proj(up, X(t), mouthCurves(t).uo, dz(t));
    for (let i = n - 1; i >= 1; i--) xf.proj(up, X(ts[i]), mouthCurves(ts[i]).ui, dz(ts[i]));
    canvas.fill([up], { label: L.u_lip, material: upperLipMat, ...inFace });
    const lo = tmp();
    for (const t of ts) xf.proj(lo, X(t), mouthCurves(t).li, dz(t));
    for (let i = n - 1; i >= 1; i--) xf.proj(lo, X(ts[i]), mouthCurves(ts[i]).lo, dz(ts[i]));
    canvas.fill([lo], { label: L.l_lip, material: lowerLipMat, ...inFace });
    if (p.open > 0) {
      const inner = tmp();
      for (const t of ts) xf.proj(inner, X(t), mouthCurves(t).ui, dz(t));
      for (let i = n - 1; i >= 1; i--) xf.proj(inner, X(ts[i]), mouthCurves(ts[i]).li, dz(ts[i]));
      canvas.fill([inner], { label: L.mouth, material: mouthMat, ...inFace });
      if (p.teeth) {
        const th = tmp();
        const tw = 0.75;
        for (let i = 0; i <= n; i++) {
          const t = -tw + (2 * tw * i) / n;
          xf.proj(th, X(t), mouthCurves(t).ui - 0.01, dz(t));
        }
        for (let i = n; i >= 0; i--) {
          const t = -tw + (2 * tw * i) / n;
          xf.proj(th, X(t), mouthCurves(t).ui + p.open * 0.45 * Math.pow(1 - t * t, 0.7), dz(t));
        }
        canvas.fill([th], { label: BENEATH, material: teethMat, allow: ctx.only(L.mouth), ...inFace });
      }
    }
  }

  // ---- 11. hair on top of the head
  if (p.hair !== 'bald') {
    const c = tmp();
    const n = nCurve;
    const sideY = p.hair === 'short' ? p.sideY * 0.6 : p.sideY;
    const t0 = -Math.asin(Math.min(0.9, sideY / hy));
    for (let i = 0; i <= n; i++) {
      const t = t0 + ((Math.PI - 2 * t0) * i) / n;
      xf.flat(c, hx * Math.cos(t), -hy * Math.sin(t));
    }
    // now at the image-left side; go in along the sideburn, up the temple, across the hairline
    xf.flat(c, -0.97, sideY);
    xf.flat(c, -0.93, p.templeY + 0.1);
    const m = Math.max(24, Math.ceil(nCurve / 4));
    const clampX = (x: number): number => (x < -0.93 ? -0.93 : x > 0.93 ? 0.93 : x);
    for (let i = 0; i <= m; i++) {
      const x = -0.9 + (1.8 * i) / m;
      let y: number;
      if (p.fringe) {
        const edge = Math.min(1, (0.9 - Math.abs(x)) / 0.2); // blend into the temples
        const fy = p.fringeY + p.fringeSlope * x + 0.05 * Math.abs(Math.sin(x * 9 + p.fringePhase));
        y = lerp(p.templeY, fy, edge);
      } else {
        y = p.hairlineY + p.part * x + (p.templeY - p.hairlineY) * Math.pow(Math.abs(x) / 0.9, 2.4);
      }
      const xp = clampX(xf.turnX(x, y, 0));
      xf.flat(c, xp, y);
    }
    xf.flat(c, 0.93, p.templeY + 0.1);
    xf.flat(c, 0.97, sideY);
    canvas.fill([c], { label: L.hair, material: hairMat });
  }

  // ---- 12. long hair falling in front of the ears
  if (p.frontLocks) {
    for (const side of [-1, 1]) {
      const c = tmp();
      // stays inside the outline of the back hair (see step 1)
      const bottomW = hx + p.hairFlare;
      xf.flat(c, side * 0.9, p.templeY);
      xf.flat(c, side * hx * 0.97, p.templeY);
      xf.flat(c, side * hx, 0);
      xf.flat(c, side * (hx + p.hairFlare * 0.5), p.chinY * 0.6);
      xf.flat(c, side * bottomW * 0.98, p.hairLen - 0.04);
      xf.flat(c, side * (bottomW - 0.45), p.hairLen - 0.02);
      xf.flat(c, side * (p.neckW + 0.05), p.chinY + 0.2);
      xf.flat(c, side * 0.9, p.chinY * 0.55);
      xf.flat(c, side * 0.93, 0.1);
      canvas.fill([c], { label: L.hair, material: hairMat });
    }
  }

  // ---- 13. earrings
  if (p.earring) {
    const er = p.earring;
    const metal = mats.add({ kind: Kind.Metal, color: er.color, color2: [255, 255, 245], frame: faceFrame, params: [60] });
    for (const side of [-1, 1]) {
      const idx = side < 0 ? 0 : 1;
      if (!earVisible[idx]) continue;
      const [lx, ly] = earLobe[idx];
      const circle = (cx: number, cy: number, r: number): number[] => {
        const c = tmp();
        for (let i = 0; i < 24; i++) {
          const t = (2 * Math.PI * i) / 24;
          xf.flat(c, cx + r * Math.cos(t), cy + r * Math.sin(t));
        }
        return c;
      };
      if (er.style === 'hoop') {
        const R = er.r * 2.2;
        canvas.fill(ring(circle(lx, ly + R * 0.9, R), circle(lx, ly + R * 0.9, R - er.r * 0.45)), {
          label: L.ear_r,
          material: metal,
        });
      } else {
        canvas.fill([circle(lx, ly, er.r * 0.8)], { label: L.ear_r, material: metal });
        if (er.style === 'drop') canvas.fill([circle(lx, ly + er.r * 2.4, er.r * 1.2)], { label: L.ear_r, material: metal });
      }
    }
  }

  // ---- 14. glasses
  if (p.glasses) {
    const gl = p.glasses;
    const frameMat = mats.add({
      kind: gl.metal ? Kind.Metal : Kind.Flat,
      color: gl.color,
      color2: [250, 250, 250],
      frame: faceFrame,
      params: [40],
    });
    const lensY = p.eyeY + 0.01;
    const superEllipse = (cx: number, cy: number, rx: number, ry: number): number[] => {
      const c = tmp();
      const n = Math.max(32, Math.ceil(nCurve / 4));
      const e = 2 / gl.q;
      for (let i = 0; i < n; i++) {
        const t = (2 * Math.PI * i) / n;
        const ct = Math.cos(t);
        const st = Math.sin(t);
        // slightly flatter at the top, deeper toward the outer-lower side
        xf.proj(c, cx + rx * Math.sign(ct) * Math.pow(Math.abs(ct), e), cy + ry * Math.sign(st) * Math.pow(Math.abs(st), e), 0.12);
      }
      return c;
    };
    const lensLabel = gl.sun ? L.eye_g : labels.clearLens;
    const eyeProtect = !gl.sun && labels.eyesOverLens ? ctx.except([L.l_eye, L.r_eye]) : undefined;
    for (const side of [-1, 1]) {
      const cx = side * p.eyeX;
      const lensMat = mats.add({
        kind: Kind.Lens,
        color: gl.sun ? [18, 20, 24] : [205, 222, 232],
        frame: xf.frameAt(cx, lensY, gl.w, 0.12),
        params: [gl.sun ? 0.86 : 0.14, gl.sun ? 0.25 : 0.35],
      });
      const inner = superEllipse(cx, lensY, gl.w, gl.h);
      canvas.fill([inner], { label: lensLabel, material: -1, overlay: lensMat, allow: eyeProtect });
      canvas.fill(ring(superEllipse(cx, lensY, gl.w + gl.t, gl.h + gl.t), inner), {
        label: L.eye_g,
        material: frameMat,
      });
      // temple arm from the outer edge toward the ear
      const arm = tmp();
      const x0 = cx + side * (gl.w + gl.t * 0.5);
      const x1 = side * 0.99;
      const ay = lensY - gl.h * 0.45;
      xf.proj(arm, x0, ay - gl.t * 0.5, 0.12);
      xf.proj(arm, x1, ay - gl.t * 0.4, 0);
      xf.proj(arm, x1, ay + gl.t * 0.4, 0);
      xf.proj(arm, x0, ay + gl.t * 0.5, 0.12);
      canvas.fill([arm], { label: L.eye_g, material: frameMat });
    }
    // bridge
    const br = tmp();
    const bx = p.eyeX - gl.w - gl.t * 0.5;
    const by = lensY - gl.h * 0.35;
    const n = 12;
    for (let i = 0; i <= n; i++) {
      const x = -bx + (2 * bx * i) / n;
      xf.proj(br, x, by - gl.t * 0.5 - 0.03 * (1 - (x / bx) ** 2), 0.15);
    }
    for (let i = n; i >= 0; i--) {
      const x = -bx + (2 * bx * i) / n;
      xf.proj(br, x, by + gl.t * 0.5 - 0.03 * (1 - (x / bx) ** 2), 0.15);
    }
    canvas.fill([br], { label: L.eye_g, material: frameMat });
  }

  // ---- 15. hat
  if (p.hat) {
    const ht = p.hat;
    const hatMat = mats.add({
      kind: Kind.Knit,
      color: ht.color,
      color2: ht.color2,
      frame: faceFrame,
      params: ht.style === 'beanie' ? [6, 40, ht.y - 0.22, ht.y + 0.02] : [3, 3, ht.y - 0.2, ht.y - 0.08],
    });
    const c = tmp();
    const n = nCurve;
    if (ht.style === 'beanie') {
      const rx = hx + 0.04;
      const ry = hy + 0.12; // crown a bit above the hair
      const base = ht.y;
      const t0 = -Math.asin(Math.max(-0.95, Math.min(0.95, base / ry)));
      for (let i = 0; i <= n; i++) {
        const t = t0 + ((Math.PI - 2 * t0) * i) / n;
        xf.flat(c, rx * Math.cos(t), -ry * Math.sin(t) - 0.05);
      }
      for (let i = 0; i <= 16; i++) {
        const x = -rx * Math.cos(t0) + (2 * rx * Math.cos(t0) * i) / 16;
        xf.flat(c, x, base + 0.04 * (1 - (x / rx) ** 2));
      }
    } else {
      const bw = ht.brimW;
      const cw = hx * 0.95;
      const top = ht.y - ht.crownH;
      // crown
      xf.flat(c, -cw, ht.y);
      xf.flat(c, -cw * 0.92, top + 0.2);
      for (let i = 0; i <= 12; i++) {
        const x = -cw * 0.92 + (1.84 * cw * i) / 12;
        xf.flat(c, x, top + 0.1 * (x / cw) ** 2);
      }
      xf.flat(c, cw * 0.92, top + 0.2);
      xf.flat(c, cw, ht.y);
      // brim: lower half-ellipse from right to left, then upper half back
      const brim = tmp();
      for (let i = 0; i < 48; i++) {
        const t = (2 * Math.PI * i) / 48;
        xf.flat(brim, bw * Math.cos(t), ht.y + ht.brimH * Math.sin(t));
      }
      canvas.fill([brim], { label: L.hat, material: hatMat });
    }
    canvas.fill([c], { label: L.hat, material: hatMat });
  }

  // ---- landmarks (68, iBUG order)
  const lm: [number, number][] = [];
  const jawShift = Math.sin(p.yaw) * 0.3;
  for (let i = 0; i <= 16; i++) {
    const [x, y] = lowerHeadX(p, 0.03 + (0.94 * i) / 16);
    const r = y / p.chinY;
    const o: number[] = [];
    xf.flat(o, x + jawShift * r * r, y);
    lm.push([o[0], o[1]]);
  }
  for (const q of browLm[0]) lm.push(q); // 17-21 subject's right brow (image left), outer -> inner
  for (const q of browLm[1]) lm.push(q); // 22-26 subject's left brow, inner -> outer
  for (let i = 0; i < 4; i++) {
    const f = i / 3;
    lm.push(xf.point(0, lerp(p.eyeY - 0.02, p.noseTip, f), lerp(0.08, 0.3, f))); // 27-30
  }
  for (let i = 0; i < 5; i++) {
    const x = lerp(-p.noseW * 0.62, p.noseW * 0.62, i / 4);
    lm.push(xf.point(x, p.noseTip + 0.07 + 0.02 * (1 - Math.abs(x) / p.noseW), 0.15)); // 31-35
  }
  for (const q of eyeLm[0]) lm.push(q); // 36-41
  for (const q of eyeLm[1]) lm.push(q); // 42-47
  const mp = (t: number, key: 'line' | 'uo' | 'ui' | 'li' | 'lo'): [number, number] =>
    xf.point(t * p.mouthW, mouthCurves(t)[key], 0.08 * (1 - t * t));
  lm.push(mp(-1, 'uo')); // 48
  for (const t of [-0.62, -0.3, 0, 0.3, 0.62]) lm.push(mp(t, 'uo')); // 49-53
  lm.push(mp(1, 'uo')); // 54
  for (const t of [0.62, 0.3, 0, -0.3, -0.62]) lm.push(mp(t, 'lo')); // 55-59
  lm.push(mp(-0.85, 'line')); // 60
  for (const t of [-0.45, 0, 0.45]) lm.push(mp(t, 'ui')); // 61-63
  lm.push(mp(0.85, 'line')); // 64
  for (const t of [0.45, 0, -0.45]) lm.push(mp(t, 'li')); // 65-67

  // ---- box: bounds of the head-skin outline
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < head.length; i += 2) {
    x0 = Math.min(x0, head[i]);
    x1 = Math.max(x1, head[i]);
    y0 = Math.min(y0, head[i + 1]);
    y1 = Math.max(y1, head[i + 1]);
  }
  const W = canvas.width;
  const H = canvas.height;
  const clampTo = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  return {
    landmarks: lm,
    box: [clampTo(x0, W), clampTo(y0, H), clampTo(x1, W), clampTo(y1, H)],
  };
}

// ---------------------------------------------------------------------------------------------------
// Public entry point

export function generateFace(opts: SynthOptions): SynthFace {
  const W = Math.floor(opts.width);
  const H = Math.floor(opts.height);
  if (!(W >= 1 && H >= 1) || W * H > 4096 * 4096 * 4) {
    throw new Error(`generateFace: bad size ${opts.width}x${opts.height}`);
  }
  const labels = resolveLabels(opts.schema);
  const acc = { ...DEFAULT_ACCESSORIES, ...(opts.accessories ?? {}) };
  const nFaces = opts.faces ?? 1;
  const noise = opts.noise ?? 0.08;

  const root = new Rng(opts.seed);
  const sceneRng = root.fork(100);
  const main = drawFaceParams(root.fork(200), acc);
  const second = drawFaceParams(root.fork(300), acc);

  // placement (scene units; unit = min(W, H))
  const side = sceneRng.chance(0.5) ? -1 : 1;
  main.size = sceneRng.uniform(0.23, 0.3);
  main.cx = sceneRng.normalClamped(0, 0.03, -0.07, 0.07) - (nFaces === 2 ? side * 0.07 : 0);
  main.cy = sceneRng.normalClamped(-0.06, 0.03, -0.14, 0.02);
  if (opts.pose?.yaw !== undefined) main.yaw = opts.pose.yaw;
  if (opts.pose?.roll !== undefined) main.roll = opts.pose.roll;
  second.size = main.size * sceneRng.uniform(0.45, 0.68);
  second.cx = side * sceneRng.uniform(0.3, 0.4);
  second.cy = main.cy + sceneRng.uniform(-0.12, 0.06);

  const bg1 = randomColor(sceneRng);
  const bg2 = sceneRng.chance(0.6) ? randomColor(sceneRng) : scaleRgb(bg1, sceneRng.uniform(0.6, 1.2));
  const bgAngle = sceneRng.uniform(0, Math.PI * 2);
  const bgBlob = sceneRng.uniform(0, 0.5);
  const bgFreq = sceneRng.uniform(1.5, 5);
  const lightAngle = sceneRng.uniform(0, Math.PI * 2);
  const lightAmt = sceneRng.uniform(0.1, 0.7);

  const S = Math.min(W, H);
  const canvas = new Canvas(W, H);
  const mats = new Materials();
  const bgMat = mats.add({
    kind: Kind.Background,
    color: bg1,
    color2: bg2,
    frame: makeFrame(W / 2, H / 2, S * 0.7, bgAngle),
    params: [bgFreq, bgBlob],
    light: 0.3,
  });
  canvas.fillAll(labels.of.background, bgMat);

  const onlyCache = new Map<number, Uint8Array>();
  const ctx: DrawCtx = {
    canvas,
    mats,
    labels,
    only: (label) => {
      let t = onlyCache.get(label);
      if (!t) {
        t = new Uint8Array(256);
        if (label >= 0) t[label] = 1;
        onlyCache.set(label, t);
      }
      return t;
    },
    except: (ls) => {
      const t = new Uint8Array(256).fill(1);
      for (const l of ls) if (l >= 0) t[l] = 0;
      return t;
    },
  };

  const xfOf = (p: FaceParams): FaceXf =>
    new FaceXf(W / 2 + S * p.cx, H / 2 + S * p.cy, S * p.size, p.roll, p.yaw);

  const faces: SynthFaceInfo[] = [];
  let secondInfo: SynthFaceInfo | null = null;
  if (nFaces === 2) {
    const out = drawFace(ctx, second, xfOf(second), 2);
    secondInfo = { box: out.box, yaw: second.yaw, roll: second.roll, landmarks: out.landmarks };
  }
  const out = drawFace(ctx, main, xfOf(main), 1);
  faces.push({ box: out.box, yaw: main.yaw, roll: main.roll, landmarks: out.landmarks });
  if (secondInfo) faces.push(secondInfo);

  const rgb = shade(canvas, mats, {
    lightX: Math.cos(lightAngle) * lightAmt,
    lightY: Math.sin(lightAngle) * lightAmt,
    sceneCx: W / 2,
    sceneCy: H / 2,
    sceneUnit: S,
    noise,
    seed: root.fork(400).nextU32(),
  });

  return { width: W, height: H, rgb, mask: canvas.mask, faces };
}
