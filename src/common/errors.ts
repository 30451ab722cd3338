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

/**
 * The worker was stopped by its heap limit: a 'worker-exited' the user can act on (index fewer or smaller files).
 * Made on the host's side of the boundary (WorkerClient), so it needs no code of its own in the protocol.
 */
export class OutOfMemoryError extends EngineError {
  constructor(message: string) {
    super('worker-exited', message);
  }
}

/** Any thrown value as a payload; unknown errors keep their message but get the 'internal' code. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof EngineError) return e.toPayload();
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
