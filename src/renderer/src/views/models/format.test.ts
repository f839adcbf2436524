import { describe, expect, it } from 'vitest';
import { ParselError } from '../../../../shared/api/errors';
import type { ModelRecord } from '../../../../shared/api/methods-models';
import { detailProblems, expectsLabel, facesLabel, fmtEta, inputLabel, isFinalStatus, jobLine, jobState, parseCardText, percent, progressLine, providerLabel } from './format';

describe('fmtEta', () => {
  it('is a dash until the job can estimate', () => {
    expect(fmtEta(null)).toBe('—');
    expect(fmtEta(undefined)).toBe('—');
    expect(fmtEta(Number.NaN)).toBe('—');
    expect(fmtEta(Number.POSITIVE_INFINITY)).toBe('—');
    expect(fmtEta(-3)).toBe('—');
  });
  it('seconds, minutes with padded seconds, hours with padded minutes', () => {
    expect(fmtEta(0)).toBe('< 1 s');
    expect(fmtEta(0.4)).toBe('< 1 s');
    expect(fmtEta(1)).toBe('1 s');
    expect(fmtEta(42.4)).toBe('42 s');
    expect(fmtEta(59.4)).toBe('59 s');
    expect(fmtEta(59.6)).toBe('1 min 00 s');
    expect(fmtEta(185)).toBe('3 min 05 s');
    expect(fmtEta(3599)).toBe('59 min 59 s');
    expect(fmtEta(3600)).toBe('1 h 00 min');
    expect(fmtEta(2 * 3600 + 7 * 60 + 10)).toBe('2 h 07 min');
    expect(fmtEta(26 * 3600)).toBe('26 h 00 min');
  });
});

describe('providerLabel', () => {
  it('names the providers as users read them', () => {
    expect(providerLabel('cpu')).toBe('CPU');
    expect(providerLabel('cuda')).toBe('CUDA');
    expect(providerLabel('dml')).toBe('DirectML');
    expect(providerLabel('coreml')).toBe('CoreML');
    expect(providerLabel('webgpu')).toBe('WebGPU');
    expect(providerLabel('CPU')).toBe('CPU');
    expect(providerLabel('xnnpack')).toBe('XNNPACK');
    expect(providerLabel(null)).toBe('—');
    expect(providerLabel('')).toBe('—');
  });
});

describe('progress helpers', () => {
  it('percent clamps and survives an empty job', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(5, 10)).toBe(50);
    expect(percent(12, 10)).toBe(100);
  });
  it('final states', () => {
    expect(['done', 'cancelled', 'failed'].map(isFinalStatus)).toEqual([true, true, true]);
    expect(['running', 'paused', 'pending', undefined, null].map(isFinalStatus)).toEqual([false, false, false, false, false]);
  });
  it('job and progress lines', () => {
    expect(jobLine({ done: 12, total: 40, failed: 0, skipped: 0, status: 'paused' })).toBe('12 / 40 done · paused');
    expect(jobLine({ done: 1200, total: 4000, failed: 2, skipped: 1, status: 'running' })).toBe('1,200 / 4,000 done · 2 failed · 1 kept their human revision · running');
    expect(progressLine({ done: 3, total: 8, failed: 0, etaSeconds: null })).toBe('Pre-labelling 3 / 8 · ETA —');
    expect(progressLine({ done: 3, total: 8, failed: 1, etaSeconds: 75 })).toBe('Pre-labelling 3 / 8 · 1 failed · ETA 1 min 15 s');
  });
  it('a job left running by a stopped process reads as interrupted', () => {
    expect(jobState({ status: 'running', active: false })).toBe('interrupted');
    expect(jobState({ status: 'running', active: true })).toBe('running');
    expect(jobState({ status: 'cancelled', active: false })).toBe('cancelled');
  });
  it('faces of a set', () => {
    expect(facesLabel({ expects: 'image', faces: { mode: 'landmarks', margin: 0.25 } })).toBe('whole image');
    expect(facesLabel({ expects: 'face', faces: { mode: 'landmarks', margin: 0.25 } })).toBe('landmarks, margin 0.25');
    expect(facesLabel({ expects: 'face', faces: { mode: 'detector', margin: 0.4, detectorModelId: 3 } }, (id) => (id === 3 ? 'retina' : undefined))).toBe(
      'detector retina, margin 0.4',
    );
    expect(facesLabel({ expects: 'face', faces: { mode: 'detector', margin: 0.4, detectorModelId: 9 } })).toBe('detector #9, margin 0.4');
  });
});

describe('errors and card text', () => {
  it('reads the problem list an error carries', () => {
    expect(detailProblems(new ParselError('INVALID_INPUT', 'refused', { problems: ['a', 'b', 3] }))).toEqual(['a', 'b']);
    expect(detailProblems(new ParselError('INVALID_INPUT', 'refused', { check: { problems: ['c'] } }))).toEqual(['c']);
    expect(detailProblems(new ParselError('INVALID_INPUT', 'refused'))).toEqual([]);
    expect(detailProblems('boom')).toEqual([]);
  });
  it('parses the optional card JSON', () => {
    expect(parseCardText('  ')).toEqual({});
    expect(parseCardText('{"name":"x"}')).toEqual({ card: { name: 'x' } });
    expect(parseCardText('[1]')).toEqual({ error: expect.stringMatching(/must be a JSON object/) });
    expect(parseCardText('{name')).toEqual({ error: expect.stringMatching(/^card: not valid JSON/) });
  });
});

describe('expectsLabel / inputLabel', () => {
  const input = { name: 'input', width: 320, height: 240, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [127, 127, 127], std: [128, 128, 128], resize: 'stretch', interpolation: 'bilinear', padValue: 0 } as const;
  it('a face detector says what it finds with; a parser whether it crops', () => {
    const detector = {
      card: {
        format: 'parsel-model-card/1',
        name: 'ultra',
        description: '',
        task: 'face-detection',
        input: { ...input, mean: [...input.mean] as [number, number, number], std: [...input.std] as [number, number, number] },
        output: { boxes: { name: 'boxes', format: 'xyxy', units: 'normalized' }, scores: { name: 'scores', faceIndex: 1 } },
        scoreThreshold: 0.7,
        nmsIouThreshold: 0.3,
        maxFaces: 16,
        source: {},
      },
    } as const satisfies Pick<ModelRecord, 'card'>;
    expect(expectsLabel(detector)).toBe('finds faces (score ≥ 0.7, NMS IoU 0.3, at most 16)');
    expect(inputLabel(detector)).toBe('320×240 NCHW RGB');
    const parser = {
      card: {
        format: 'parsel-model-card/1',
        name: 'p',
        description: '',
        task: 'face-parsing',
        input: { ...input, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] },
        output: { kind: 'logits', layout: 'NCHW' },
        labels: 'lapa-11',
        expects: 'face',
        crop: { margin: 0.4, square: true },
        source: {},
      },
    } as const satisfies Pick<ModelRecord, 'card'>;
    expect(expectsLabel(parser)).toBe('face crop (margin 0.4)');
  });
});
