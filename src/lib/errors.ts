/**
 * Typed errors. Every error a person can cause carries a code, an HTTP status and whether its message
 * may be shown; src/http/errors.ts turns them into a page or JSON. Anything else is a 500 with a
 * generic message (and is logged).
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly expose = status < 500,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(code, 400, message, true, details);
export const forbidden = (code: string, message: string) => new AppError(code, 403, message);
export const notFound = (code: string, message: string) => new AppError(code, 404, message);
