/**
 * Declares one contract method: `method<Response>()(requestValidator)`. Curried so that the request
 * type is inferred from the validator while the response type is written out. Domain method tables
 * (`methods-*.ts`) use it and are spread into the one table in contract.ts.
 */
import type { z } from 'zod';

export function method<Res>() {
  return <Req extends z.ZodType>(request: Req): { request: Req; response: Res } => ({
    request,
    response: undefined as unknown as Res,
  });
}
