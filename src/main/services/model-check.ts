/**
 * Checking a model file and its card before it is added or run: the card is read from the request,
 * from `<model>.card.json` beside the file, or from the ONNX metadata (`parsel.card`), parsed with
 * field-named messages, and checked against the graph (input name, rank, layout, size, class count).
 * A card with `"task": "face-detection"` is a face-detector card, checked with `checkDetectorCard`.
 * When the graph leaves a parser's class dimension symbolic, one small probe run learns it (`probeClassCount`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ParselError } from '../../shared/api/errors';
import type { ModelCheck, ModelRecord } from '../../shared/api/methods-models';
import { CARD_METADATA_KEY, isDetectorCard, isParserCard, isPromptableCard, parseAnyCard, parseAnyCardJson, type AnyModelCard, type ModelCard, type PromptableCard } from '../../shared/models/card';
import { readAveragingRecord } from '../../shared/models/averaging';
import { getSchema } from '../../shared/schema';
import { cardPathFor, checkCard, checkDetectorCard, checkPromptableCard, inspectModel, probeClassCount, readOnnxMetadata, type GraphInfo } from '../inference';
import type { ModelEntry } from '../store/model-repo';
import type { ProjectStore } from '../store/project-store';

/** sha256 of a file, streamed (model files are tens to hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function statFile(path: string): Promise<void> {
  const st = await fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ParselError('NOT_FOUND', `model file not found: ${path} (${err.code})`, { path });
  });
  if (!st.isFile()) throw new ParselError('INVALID_INPUT', `not a file: ${path}`, { path });
}

/**
 * Checks `path` with its card (`override` first, else beside the file, else in the metadata).
 * A missing file is NOT_FOUND; everything else wrong is a problem in the result.
 */
export async function checkModelFile(path: string, override?: Record<string, unknown>): Promise<ModelCheck> {
  const abs = resolve(path);
  await statFile(abs);
  const bytes = new Uint8Array(await fs.readFile(abs));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const problems: string[] = [];
  let graph: GraphInfo | null = null;
  try {
    graph = await inspectModel(bytes, abs);
  } catch (err) {
    problems.push(`${abs}: not a loadable ONNX model: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }

  let card: AnyModelCard | null = null;
  let cardSource: ModelCheck['cardSource'] = null;
  let cardPath: string | null = null;
  const take = (r: ReturnType<typeof parseAnyCard>) => {
    if (r.ok) card = r.card;
    else problems.push(...r.problems);
  };
  if (override) {
    cardSource = 'request';
    const r = parseAnyCard(override);
    take(r.ok ? r : { ok: false, problems: r.problems.map((p) => `card: ${p}`) });
  } else {
    const side = cardPathFor(abs);
    const text = await fs.readFile(side, 'utf8').catch(() => null);
    if (text !== null) {
      cardSource = 'file';
      cardPath = side;
      take(parseAnyCardJson(text, side));
    } else {
      let meta: Record<string, string> = graph?.metadata ?? {};
      if (!graph) {
        try {
          meta = readOnnxMetadata(bytes);
        } catch {
          meta = {};
        }
      }
      if (meta[CARD_METADATA_KEY] !== undefined) {
        cardSource = 'metadata';
        take(parseAnyCardJson(meta[CARD_METADATA_KEY], `${abs} (metadata "${CARD_METADATA_KEY}")`));
      } else {
        problems.push(`no model card for ${abs}: write ${side}, store the card in the ONNX metadata key "${CARD_METADATA_KEY}", or give one (--card)`);
      }
    }
  }
  const parsed = card as AnyModelCard | null;
  let encoder: ModelCheck['encoder'];
  if (parsed && isPromptableCard(parsed)) {
    const enc = await checkEncoderFile(parsed, abs);
    encoder = enc.encoder;
    problems.push(...enc.problems);
    if (graph) problems.push(...checkPromptableCard(parsed, enc.graph, graph));
  } else if (parsed && graph) {
    const found = isDetectorCard(parsed) ? checkDetectorCard(parsed, graph) : checkCard(parsed as ModelCard, graph);
    problems.push(...found);
    // A class dimension the graph leaves symbolic is learnt from one small run.
    if (found.length === 0 && !isDetectorCard(parsed)) problems.push(...(await probeClassCount(abs, parsed as ModelCard, graph)));
  }
  const averaging = graph ? readAveragingRecord(graph.metadata) : { record: null, problem: null };
  if (averaging.problem) problems.push(`${abs}: ${averaging.problem}`);
  return {
    ok: problems.length === 0,
    problems,
    cardSource,
    cardPath,
    card: parsed,
    graph: graph ? { inputs: graph.inputs, outputs: graph.outputs } : null,
    sha256,
    averaging: averaging.record,
    ...(encoder ? { encoder } : {}),
  };
}

/**
 * The encoder of a promptable card (`encoder.file`, relative to the decoder's folder): found, loadable,
 * and the sha256 the card gives (if any) still its content. Returns the card with the absolute path
 * and the sha256 filled in (what `models:add` stores).
 */
async function checkEncoderFile(card: PromptableCard, decoderPath: string): Promise<{ problems: string[]; graph: GraphInfo | null; encoder: NonNullable<ModelCheck['encoder']> }> {
  const path = resolve(dirname(decoderPath), card.encoder.file);
  const problems: string[] = [];
  const st = await fs.stat(path).catch(() => null);
  if (!st?.isFile()) {
    problems.push(`encoder.file: the encoder ${path} does not exist (the path is relative to the decoder's folder ${dirname(decoderPath)})`);
    return { problems, graph: null, encoder: { path, sha256: null, graph: null } };
  }
  const sha256 = await sha256File(path);
  if (card.encoder.sha256 !== undefined && card.encoder.sha256 !== sha256) {
    problems.push(`encoder.sha256: ${path} changed since the card was written (sha256 ${sha256.slice(0, 12)}…, card says ${card.encoder.sha256.slice(0, 12)}…); add the model again`);
  }
  let graph: GraphInfo | null = null;
  try {
    graph = await inspectModel(path);
  } catch (err) {
    problems.push(`${path}: the encoder is not a loadable ONNX model: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  card.encoder.file = path;
  card.encoder.sha256 = sha256;
  return { problems, graph, encoder: { path, sha256, graph: graph ? { inputs: graph.inputs, outputs: graph.outputs } : null } };
}

export type ModelRow = ModelEntry;

export function modelRows(store: ProjectStore): ModelEntry[] {
  return store.models.all();
}

export function modelRow(store: ProjectStore, id: number): ModelEntry {
  return store.models.get(id);
}

/** Model set id → ids of the models it uses (members and face detector). */
export function modelUsers(store: ProjectStore): Map<number, number[]> {
  const users = new Map<number, number[]>();
  for (const r of store.models.sets()) {
    const ids = [...r.members, ...(r.faces.detectorModelId !== undefined ? [r.faces.detectorModelId] : [])];
    for (const m of new Set(ids)) users.set(m, [...(users.get(m) ?? []), r.id]);
  }
  return users;
}

export function toModelRecord(r: ModelRow, usedBy: number[], decoderExists: boolean): ModelRecord {
  const card = r.card;
  const parser = isParserCard(card);
  // A promptable model needs its encoder too (the stored card has its absolute path).
  const encoderGone = decoderExists && isPromptableCard(card) && !existsSync(card.encoder.file) ? card.encoder.file : null;
  const exists = decoderExists && encoderGone === null;
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    sha256: r.sha256,
    card,
    kind: parser ? 'parser' : isDetectorCard(card) ? 'detector' : 'promptable',
    addedAt: r.added_at,
    labels: parser ? card.labels : null,
    classes: parser ? getSchema(card.labels).classes.length : 0,
    available: exists,
    unavailableReason: exists ? null : `file missing: ${encoderGone ?? r.path}`,
    usedBy,
    averaging: r.averaging,
  };
}

/** Throws INVALID_INPUT naming the file when a model's file is gone or no longer the one added. */
export async function verifyModelFile(r: { id: number; name: string; path: string; sha256: string }): Promise<void> {
  const st = await fs.stat(r.path).catch(() => null);
  if (!st?.isFile()) throw new ParselError('INVALID_INPUT', `model ${r.id} "${r.name}": file missing: ${r.path}`, { modelId: r.id, path: r.path });
  const sha = await sha256File(r.path);
  if (sha !== r.sha256) {
    throw new ParselError(
      'INVALID_INPUT',
      `model ${r.id} "${r.name}": ${r.path} changed since it was added (sha256 ${sha.slice(0, 12)}…, added as ${r.sha256.slice(0, 12)}…); add it again as a new model`,
      { modelId: r.id, path: r.path },
    );
  }
}
