/**
 * The mask overlay drawn in screen space: a viewport-sized canvas whose device pixels are recoloured
 * straight from the index map through the palette LUT (nearest pixel, as the mask is a grid of
 * classes). Only what changed is redone: an edit recolours the screen rectangle its image rectangle
 * covers; a view change (zoom, pan, resize) recolours the viewport once per animation frame.
 *
 * Why not one image-sized canvas drawn scaled by Konva: Chromium snapshots a canvas used as a
 * `drawImage` source, so the next `putImageData` into it copies the whole backing store first
 * (measured 50–90 ms for 4096², i.e. every painted frame); here nothing is ever a drawImage source,
 * and the memory is the viewport's (4 MiB at 1280×800) instead of 128 MiB for a 4096² image.
 */
import type { Rect } from '../../../shared/mask/paint';
import type { IndexMask } from './overlay';
import { DIFF_RGB, packAbgr } from './overlayColours';
import type { View } from './viewport';

const DIFF_COLOUR = packAbgr(DIFF_RGB); // overlayColours.ts: a colour no class uses

export class MaskView {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private img: ImageData | null = null;
  private px = new Uint32Array(0);
  private w = 0;
  private h = 0;
  private dpr = 1;
  private view: View = { scale: 1, x: 0, y: 0 };
  private lut: Uint32Array | null = null;
  private outline = false;
  private diff: Uint8Array | null = null;
  private raf = 0;
  private xs = new Int32Array(0);

  constructor(readonly mask: IndexMask) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'ed-mask';
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('2D canvas unavailable');
    this.ctx = ctx;
  }

  /** Viewport size in CSS pixels. */
  resize(cssW: number, cssH: number, dpr: number): void {
    this.dpr = dpr;
    this.w = Math.max(1, Math.round(cssW * dpr));
    this.h = Math.max(1, Math.round(cssH * dpr));
    this.canvas.width = this.w;
    this.canvas.height = this.h;
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    this.img = this.ctx.createImageData(this.w, this.h);
    this.px = new Uint32Array(this.img.data.buffer);
    this.xs = new Int32Array(this.w);
    this.scheduleAll();
  }

  setView(v: View): void {
    this.view = { ...v };
    this.scheduleAll();
  }

  setLut(lut: Uint32Array, outline: boolean): void {
    this.lut = lut;
    this.outline = outline;
    this.scheduleAll();
  }

  /** Pixels to highlight (revision diff), or null. */
  setDiff(map: Uint8Array | null): void {
    this.diff = map;
    this.scheduleAll();
  }

  scheduleAll(): void {
    if (!this.raf) {
      this.raf = requestAnimationFrame(() => {
        this.raf = 0;
        this.renderScreen(0, 0, this.w, this.h);
      });
    }
  }

  /** Now: the whole viewport. */
  renderAll(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.renderScreen(0, 0, this.w, this.h);
  }

  /** Now: the screen pixels covering image rect `r` (an edit changed it). */
  renderImageRect(r: Rect): void {
    if (this.raf) return; // a full render is already due this frame
    const v = this.view;
    const d = this.dpr;
    const grow = this.outline ? 1 : 0; // a neighbour's edge flag may change
    const sx0 = Math.floor(((r.x0 - grow) * v.scale + v.x) * d);
    const sy0 = Math.floor(((r.y0 - grow) * v.scale + v.y) * d);
    const sx1 = Math.ceil(((r.x1 + grow) * v.scale + v.x) * d);
    const sy1 = Math.ceil(((r.y1 + grow) * v.scale + v.y) * d);
    this.renderScreen(sx0, sy0, sx1, sy1);
  }

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  private renderScreen(x0: number, y0: number, x1: number, y1: number): void {
    const img = this.img;
    const lut = this.lut;
    if (!img || !lut) return;
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(this.w, x1);
    y1 = Math.min(this.h, y1);
    if (x0 >= x1 || y0 >= y1) return;
    const { width: W, height: H, data: m } = this.mask;
    const v = this.view;
    const d = this.dpr;
    const px = this.px;
    const sw = this.w;
    const xs = this.xs;
    // Image column of each screen column (pixel centres), -1 outside the image.
    for (let sx = x0; sx < x1; sx++) {
      const ix = Math.floor(((sx + 0.5) / d - v.x) / v.scale);
      xs[sx] = ix >= 0 && ix < W ? ix : -1;
    }
    const diff = this.diff;
    const outline = this.outline;
    let prevIy = -2;
    let prevRow = -1;
    for (let sy = y0; sy < y1; sy++) {
      const iy = Math.floor(((sy + 0.5) / d - v.y) / v.scale);
      const o = sy * sw;
      if (iy < 0 || iy >= H) {
        px.fill(0, o + x0, o + x1);
        continue;
      }
      // Rows that map to the same image row (zoomed in) are copies of the previous one.
      if (iy === prevIy && prevRow >= 0) {
        px.copyWithin(o + x0, prevRow + x0, prevRow + x1);
        continue;
      }
      const row = iy * W;
      for (let sx = x0; sx < x1; sx++) {
        const ix = xs[sx];
        if (ix < 0) {
          px[o + sx] = 0;
          continue;
        }
        const i = row + ix;
        if (diff !== null && diff[i]) {
          px[o + sx] = DIFF_COLOUR;
          continue;
        }
        const c = m[i];
        if (outline) {
          const edge =
            (ix > 0 && m[i - 1] !== c) || (ix < W - 1 && m[i + 1] !== c) || (iy > 0 && m[i - W] !== c) || (iy < H - 1 && m[i + W] !== c);
          px[o + sx] = edge ? lut[c] : 0;
        } else px[o + sx] = lut[c];
      }
      prevIy = iy;
      prevRow = o;
    }
    this.ctx.putImageData(img, 0, 0, x0, y0, x1 - x0, y1 - y0);
  }
}
