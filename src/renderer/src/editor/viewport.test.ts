/** Zoom steps and wheel handling (viewport.ts): one notch is one step whatever the platform's delta. */
import { describe, expect, it } from 'vitest';
import { MAX_SCALE, MIN_SCALE, nextStep, wheelFactor, zoomAt, ZOOM_STEP } from './viewport';

describe('zoom', () => {
  it('a mouse-wheel notch zooms by exactly ZOOM_STEP (1.2), in pixel, line or page mode, whatever its size', () => {
    for (const e of [{ deltaY: -100, deltaMode: 0 }, { deltaY: -240, deltaMode: 0 }, { deltaY: -3, deltaMode: 1 }, { deltaY: -1, deltaMode: 2 }]) {
      expect(wheelFactor(e)).toBeCloseTo(ZOOM_STEP, 12);
    }
    expect(wheelFactor({ deltaY: 120, deltaMode: 0 })).toBeCloseTo(1 / ZOOM_STEP, 12);
    expect(ZOOM_STEP).toBeGreaterThanOrEqual(1.1);
    expect(ZOOM_STEP).toBeLessThanOrEqual(1.25);
    // Five notches from 164 %: about 4.1× (the old handling gave 8.7× on some platforms).
    let s = 1.64;
    for (let i = 0; i < 5; i++) s *= wheelFactor({ deltaY: -240, deltaMode: 0 });
    expect(s / 1.64).toBeCloseTo(ZOOM_STEP ** 5, 9);
  });

  it('pinch (ctrl + small deltas) and trackpad scrolling zoom in proportion, at most ×1.25 an event', () => {
    const a = wheelFactor({ deltaY: -2, deltaMode: 0, ctrlKey: true });
    const b = wheelFactor({ deltaY: -4, deltaMode: 0, ctrlKey: true });
    expect(a).toBeGreaterThan(1);
    expect(b).toBeCloseTo(a * a, 9);
    expect(wheelFactor({ deltaY: -40, deltaMode: 0, ctrlKey: true })).toBeCloseTo(1.25, 12);
    expect(wheelFactor({ deltaY: 30, deltaMode: 0 })).toBeLessThan(1);
    expect(wheelFactor({ deltaY: 0, deltaMode: 0 })).toBe(1);
  });

  it('+ / - step along powers of ZOOM_STEP through 100 % and retrace the same scales', () => {
    let s = 0.5;
    const up: number[] = [];
    for (let i = 0; i < 6; i++) up.push((s = nextStep(s, 1)));
    expect(up.some((x) => Math.abs(x - 1) < 1e-9)).toBe(true);
    for (let i = 1; i < up.length; i++) expect(up[i] / up[i - 1]).toBeCloseTo(ZOOM_STEP, 9);
    for (let i = up.length - 2; i >= 0; i--) expect((s = nextStep(s, -1))).toBeCloseTo(up[i], 9);
    expect(nextStep(MAX_SCALE, 1)).toBe(MAX_SCALE);
    expect(nextStep(MIN_SCALE, -1)).toBe(MIN_SCALE);
  });

  it('zooming keeps the image point under the cursor fixed', () => {
    const v = zoomAt({ scale: 2, x: 10, y: -30 }, 2 * ZOOM_STEP, 300, 200);
    expect((300 - v.x) / v.scale).toBeCloseTo((300 - 10) / 2, 9);
    expect((200 - v.y) / v.scale).toBeCloseTo((200 + 30) / 2, 9);
  });
});
