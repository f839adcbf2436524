/**
 * Legends over the stage for the analysis overlays (colours: overlayColours.ts, none a class colour):
 * the disagreement heat map's ramp, and the revision diff's highlight with its count.
 */
import { css, DIFF_RGB, HEAT_HIGH, HEAT_LOW, HEAT_MIN } from './overlayColours';

export function HeatLegend() {
  return (
    <div className="ed-legend-box" data-testid="heat-legend" aria-label="Heat map legend">
      <div className="ed-legend-title">Disagreement with the model</div>
      <div className="ed-legend-ramp" style={{ background: `linear-gradient(to right, ${css(HEAT_LOW)}, ${css(HEAT_HIGH)})` }} data-testid="heat-legend-ramp" />
      <div className="ed-legend-scale">
        <span>{Math.round(HEAT_MIN * 100)} %</span>
        <span>100 %</span>
      </div>
      <div className="ed-legend-note">1 − the model’s probability of the label; dimmed: below {Math.round(HEAT_MIN * 100)} %</div>
    </div>
  );
}

export function DiffLegend({ a, b, count }: { a: number; b: number; count: number }) {
  return (
    <div className="ed-legend-box" data-testid="diff-legend" aria-label="Changes legend">
      <div className="ed-legend-row">
        <span className="ed-legend-swatch" style={{ background: css(DIFF_RGB) }} data-testid="diff-legend-swatch" />
        <span>
          changed #{a} → #{b}: {count.toLocaleString('en-US')} px
        </span>
      </div>
    </div>
  );
}
