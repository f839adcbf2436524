/** The request validator of an encoded index mask (`shared/mask/codec`), shared by the method tables. */
import { z } from 'zod';

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected binary data (Uint8Array)' });

export const encodedMaskSchema = z.object({
  width: z.number().int().min(1).max(32768),
  height: z.number().int().min(1).max(32768),
  encoding: z.string().min(1).max(32),
  data: bytes,
});
