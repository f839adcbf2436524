/**
 * Models and model sets (migrations 5, 8, 9: `model`, `model_set`). JSON columns are decoded here, once,
 * with zod (a card with the card schemas of shared/models/card.ts); a column that does not decode is an
 * INVALID_INPUT naming the row, never a half-read record.
 */
import { z } from 'zod';
import { ParselError } from '../../shared/api/errors';
import { FACE_MODES, TTA_MODES, type FaceSpec, type ImportedProbsInfo, type TtaModeName } from '../../shared/api/methods-models';
import { averagingRecordSchema, type AveragingRecord } from '../../shared/models/averaging';
import { parseAnyCard, type AnyModelCard } from '../../shared/models/card';
import type { Db } from './db';
import { decodeJsonColumn } from './json-column';

export interface ModelEntry {
  id: number;
  name: string;
  path: string;
  sha256: string;
  card: AnyModelCard;
  added_at: string;
  averaging: AveragingRecord | null;
}

export interface ModelSetEntry {
  id: number;
  name: string;
  /** Ids of the models averaged (none for a set of imported predictions). */
  members: number[];
  tta: TtaModeName;
  /** As stored: older sets lack `margin` (and `mode`), readers default them. */
  faces: Partial<FaceSpec>;
  created_at: string;
  /** Where an imported set's predictions came from; null for a set of models. */
  imported: ImportedProbsInfo | null;
}

const membersSchema = z.array(z.number().int());
const facesSchema = z.object({ mode: z.enum(FACE_MODES).optional(), margin: z.number().optional(), detectorModelId: z.number().int().optional() });
const importedSchema = z.object({
  dir: z.string(),
  index: z.string(),
  indexKind: z.enum(['parsel', 'list']),
  dtype: z.enum(['float16', 'float32']),
  shape: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  tolerance: z.number(),
  importedAt: z.string(),
});


interface ModelRow {
  id: number;
  name: string;
  path: string;
  sha256: string;
  card: string;
  added_at: string;
  averaging: string | null;
}

function toModel(r: ModelRow): ModelEntry {
  let card: unknown;
  try {
    card = JSON.parse(r.card);
  } catch (e) {
    throw new ParselError('INVALID_INPUT', `model ${r.id} "${r.name}": stored card is not JSON: ${(e as Error).message}`, { modelId: r.id });
  }
  const c = parseAnyCard(card);
  if (!c.ok) throw new ParselError('INVALID_INPUT', `model ${r.id} "${r.name}": stored card does not decode: ${c.problems.join('; ')}`, { modelId: r.id });
  return {
    ...r,
    card: c.card,
    averaging: r.averaging === null ? null : decodeJsonColumn(averagingRecordSchema, r.averaging, `model ${r.id} "${r.name}": averaging record`),
  };
}

interface SetRow {
  id: number;
  name: string;
  members: string;
  tta: string;
  faces: string;
  created_at: string;
  imported: string | null;
}

function ttaOf(v: string, what: string): TtaModeName {
  const t = z.enum(TTA_MODES).safeParse(v);
  if (!t.success) throw new ParselError('INVALID_INPUT', `${what}: tta "${v}" is none of ${TTA_MODES.join(', ')}`);
  return t.data;
}

function toSet(r: SetRow): ModelSetEntry {
  const what = `model set ${r.id} "${r.name}"`;
  return {
    id: r.id,
    name: r.name,
    members: decodeJsonColumn(membersSchema, r.members, `${what}: members`),
    tta: ttaOf(r.tta, what),
    faces: decodeJsonColumn(facesSchema, r.faces, `${what}: faces`),
    created_at: r.created_at,
    imported: r.imported === null ? null : decodeJsonColumn(importedSchema, r.imported, `${what}: imported`),
  };
}

const MODEL_COLUMNS = 'id, name, path, sha256, card, added_at, averaging';
const SET_COLUMNS = 'id, name, members, tta, faces, created_at, imported';

export class ModelRepo {
  constructor(private readonly db: Db) {}

  all(): ModelEntry[] {
    return (this.db.prepare(`SELECT ${MODEL_COLUMNS} FROM model ORDER BY id`).all() as ModelRow[]).map(toModel);
  }

  /** The model, or NOT_FOUND. */
  get(id: number): ModelEntry {
    const r = this.db.prepare(`SELECT ${MODEL_COLUMNS} FROM model WHERE id = ?`).get(id) as ModelRow | undefined;
    if (!r) throw new ParselError('NOT_FOUND', `model ${id} does not exist in this project`, { modelId: id });
    return toModel(r);
  }

  idByName(name: string): number | null {
    return (this.db.prepare('SELECT id FROM model WHERE name = ?').pluck().get(name) as number | undefined) ?? null;
  }

  /** The model added from this file with this content, if any. */
  byFile(path: string, sha256: string): { id: number; name: string } | null {
    return (this.db.prepare('SELECT id, name FROM model WHERE path = ? AND sha256 = ?').get(path, sha256) as { id: number; name: string } | undefined) ?? null;
  }

  add(m: { name: string; path: string; sha256: string; card: AnyModelCard; addedAt: string; averaging: AveragingRecord | null }): number {
    return Number(
      this.db
        .prepare('INSERT INTO model(name, path, sha256, card, added_at, averaging) VALUES (?, ?, ?, ?, ?, ?)')
        .run(m.name, m.path, m.sha256, JSON.stringify(m.card), m.addedAt, m.averaging ? JSON.stringify(m.averaging) : null).lastInsertRowid,
    );
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM model WHERE id = ?').run(id);
  }

  sets(): ModelSetEntry[] {
    return (this.db.prepare(`SELECT ${SET_COLUMNS} FROM model_set ORDER BY id`).all() as SetRow[]).map(toSet);
  }

  /** The model set, or NOT_FOUND. */
  set(id: number): ModelSetEntry {
    const r = this.db.prepare(`SELECT ${SET_COLUMNS} FROM model_set WHERE id = ?`).get(id) as SetRow | undefined;
    if (!r) throw new ParselError('NOT_FOUND', `model set ${id} does not exist in this project`, { modelSetId: id });
    return toSet(r);
  }

  setExists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM model_set WHERE id = ?').get(id) !== undefined;
  }

  setIdByName(name: string): number | null {
    return (this.db.prepare('SELECT id FROM model_set WHERE name = ?').pluck().get(name) as number | undefined) ?? null;
  }

  addSet(s: { name: string; members: number[]; tta: TtaModeName; faces: FaceSpec; createdAt: string }): number {
    return Number(
      this.db
        .prepare('INSERT INTO model_set(name, members, tta, faces, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(s.name, JSON.stringify(s.members), s.tta, JSON.stringify(s.faces), s.createdAt).lastInsertRowid,
    );
  }

  /** A set of predictions imported from a file: no members, whole images. */
  addImportedSet(name: string, info: ImportedProbsInfo): number {
    return Number(
      this.db
        .prepare(`INSERT INTO model_set(name, members, tta, faces, created_at, imported) VALUES (?, '[]', 'none', '{"mode":"whole"}', ?, ?)`)
        .run(name, info.importedAt, JSON.stringify(info)).lastInsertRowid,
    );
  }
}
