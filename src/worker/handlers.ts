import type { IndexProgress } from '../common/protocol/engine';
import type { WorkerMethod, WorkerMethods } from '../common/protocol/worker';
import type { CancelToken } from '../common/protocol/workerClient';
import type { Engine } from '../node/engine';
import { throttleProgress } from '../node/progress';
import { checked, effortParams, indexParams, searchParams } from './params';

/** The methods the engine answers ('shutdown' ends the thread itself: worker.ts). */
export type EngineMethod = Exclude<WorkerMethod, 'shutdown'>;

/** What a request runs with besides its params. */
export interface RequestContext {
  engine: Engine;
  token: CancelToken;
  /** Sends a progress report of this request to the host. */
  reportProgress(progress: IndexProgress): void;
}

/** How the worker answers one method of the protocol. */
export interface Handler<M extends EngineMethod> {
  /** The params as the protocol types them; malformed ones are refused ('bad-request', with a sentence). */
  params(raw: unknown): WorkerMethods[M][0];
  /** It changes the index: it runs after every earlier request that does, never beside one. */
  writes: boolean;
  run(params: WorkerMethods[M][0], context: RequestContext): Promise<WorkerMethods[M][1]>;
}

/**
 * Fault injection for the crash tests in a real VS Code (test/integration): a search for exactly this text
 * ends the worker as a crash would. Unset outside those tests.
 */
const CRASH_QUERY = process.env.SEMANTIC_SEARCH_TEST_CRASH_QUERY;

const noParams = (): Record<string, never> => ({});

export const handlers: { [M in EngineMethod]: Handler<M> } = {
  search: {
    params: (raw) => checked(searchParams, raw),
    writes: false,
    run: async ({ query, options }, { engine }) => {
      if (CRASH_QUERY && query === CRASH_QUERY) process.exit(70);
      return engine.search(query, options);
    },
  },
  info: {
    params: noParams,
    writes: false,
    run: async (_params, { engine }) => engine.info(),
  },
  index: {
    params: (raw) => checked(indexParams, raw),
    writes: true,
    // A report per embedding batch would cost the host a status-bar and notification update each.
    run: async (request, { engine, token, reportProgress }) => {
      try {
        return await engine.index(request, throttleProgress(reportProgress), token);
      } finally {
        // A worker at rest holds one onnxruntime session: the one on all cores lives only as long as a run.
        await engine.releaseAllCores();
      }
    },
  },
  clear: {
    params: noParams,
    writes: true,
    run: (_params, { engine }) => engine.clear(),
  },
  refresh: {
    params: noParams,
    // Answered beside a run in flight (the engine leaves a writer's index alone): a search must never wait for one.
    writes: false,
    run: async (_params, { engine }) => ({ reloaded: await engine.refresh() }),
  },
  releaseLock: {
    params: noParams,
    writes: true,
    run: (_params, { engine }) => engine.releaseLock(),
  },
  setEffort: {
    params: (raw) => checked(effortParams, raw),
    // It changes how the run in flight embeds its next batches, so it must not wait for that run.
    writes: false,
    run: async ({ effort }, { engine }) => engine.setEffort(effort),
  },
};

/** True if `method` names a method the engine answers. */
export function isEngineMethod(method: unknown): method is EngineMethod {
  return typeof method === 'string' && Object.hasOwn(handlers, method);
}
