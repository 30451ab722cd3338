import type { ErrorCode, ErrorPayload } from './protocol/worker';

/** An error with a stable code and a message written for the user. */
export class EngineError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message };
  }

  static fromPayload(p: ErrorPayload): EngineError {
    return new EngineError(p.code, p.message);
  }
}

/** Any thrown value as a payload; unknown errors keep their message but get the 'internal' code. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof EngineError) return e.toPayload();
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
