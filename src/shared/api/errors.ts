/**
 * Errors that cross a process boundary travel as `{ code, message, details }`.
 * Codes are stable strings that scripts and the UI can switch on; messages are for people.
 */
export const ERROR_CODES = [
  'BAD_REQUEST', // payload failed validation
  'UNKNOWN_METHOD', // method name not in the contract
  'NO_PROJECT', // a project-scoped method was called with no project open
  'NOT_FOUND', // an id or a path does not exist
  'CONFLICT', // saving on a parent revision that is no longer the head
  'INVALID_INPUT', // a file or value is unusable (undecodable image, bad pixel value, ...)
  'ALREADY_EXISTS', // creating something that exists
  'UNSUPPORTED', // the transport / platform cannot do this (e.g. native dialogs in browser mode)
  'FORBIDDEN', // sender or channel check failed
  'BUSY', // another process is writing to the project file; waited the busy timeout (try again later)
  'INTERNAL', // a bug: anything not classified above
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class ParselError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ParselError';
    this.code = code;
    this.details = details;
  }
  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
  static fromWire(w: WireError): ParselError {
    return new ParselError(w.code, w.message, w.details);
  }
}

export function isWireError(v: unknown): v is WireError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as WireError).code === 'string' &&
    (ERROR_CODES as readonly string[]).includes((v as WireError).code) &&
    typeof (v as WireError).message === 'string'
  );
}

/** Convert anything thrown into a wire error; unknown errors become INTERNAL with their message. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ParselError) return err.toWire();
  if (isWireError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

/** Details carried by a CONFLICT error from `revision:save`. */
export interface ConflictDetails {
  imageId: number;
  expectedParentId: number | null;
  headRevisionId: number | null;
}
