import { useEffect, useRef } from 'react';

/** Draws the photo with a mask over it (LUT colours at 60 %), scaled to fit 320 CSS pixels. */
export function MaskThumb({ img, mask, width, height, lut, label }: { img: HTMLImageElement | null; mask: Uint8Array; width: number; height: number; lut: Uint32Array; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const scale = Math.min(1, 320 / Math.max(width, height));
    c.width = Math.round(width * scale);
    c.height = Math.round(height * scale);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const off = document.createElement('canvas');
    off.width = width;
    off.height = height;
    const octx = off.getContext('2d');
    if (!octx) return;
    const id = octx.createImageData(width, height);
    const px = new Uint32Array(id.data.buffer);
    for (let i = 0; i < mask.length; i++) px[i] = lut[mask[i]];
    octx.putImageData(id, 0, 0);
    if (img) ctx.drawImage(img, 0, 0, c.width, c.height);
    ctx.globalAlpha = 0.6;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, c.width, c.height);
  }, [img, mask, width, height, lut]);
  return (
    <figure>
      <canvas ref={ref} aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
