/**
 * A JSON column decoded once, in its repository, with a zod schema: a value that is not JSON or does
 * not fit names `what` (the row and column) in an INVALID_INPUT error instead of being cast through.
 */
import type { z } from 'zod';
import { ParselError } from '../../shared/api/errors';

export function decodeJsonColumn<T>(schema: z.ZodType<T>, text: string, what: string, details?: Record<string, unknown>): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ParselError('INVALID_INPUT', `${what} is not JSON: ${(e as Error).message}`, details);
  }
  const r = schema.safeParse(v);
  if (!r.success) throw new ParselError('INVALID_INPUT', `${what} does not decode: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`, details);
  return r.data;
}
