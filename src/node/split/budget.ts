/*
 * How much work splitting one file may take. Splitting runs synchronously in the worker, so nothing else
 * (a pause, a search) is served until the file is done: the splitters count their work in steps (about one
 * per character they examine, including every character a tokenizer call is given) and look at the clock
 * every few thousand steps, so a file that runs over its budget stops within milliseconds of it.
 */

/**
 * Default time one file may take to split. At the default size limit (1 MB), ordinary Markdown or code splits
 * in about a second on a 2-core machine, token counting included, and the slowest pathological input measured
 * (a minified line with a comment every 15 characters: one token count per comment) in about 4 s
 * (`npm run bench -- --only split`). Ten seconds leaves those room on a slower or busier machine and bounds
 * how long one adversarial file holds the worker: a pause waits at most that long.
 */
export const DEFAULT_SPLIT_BUDGET_MS = 10_000;

/** Steps between two looks at the clock: a few thousand characters, well under a millisecond of work. */
const CHECK_EVERY = 4096;

/** Thrown by a splitter when its file runs over the budget; the message is the reason the file is skipped. */
export class SplitTimeout extends Error {
  constructor() {
    super('took too long to split');
    this.name = 'SplitTimeout';
  }
}

/** The work budget of one file: a deadline, and the count of steps spent so far. */
export class SplitBudget {
  /** Steps spent so far (a measure of work that does not depend on the machine). */
  steps = 0;
  private nextCheck = 0;
  private readonly deadline: number;

  /**
   * @param ms time allowed from now (0: any work runs over; Infinity: never)
   * @param now the clock, in ms (tests pass their own)
   */
  constructor(ms = DEFAULT_SPLIT_BUDGET_MS, private readonly now: () => number = () => performance.now()) {
    this.deadline = now() + ms;
  }

  /** Counts `n` steps of work; throws SplitTimeout once past the deadline (checked every few thousand steps). */
  spend(n: number): void {
    this.steps += n;
    if (this.steps < this.nextCheck) return;
    this.nextCheck = this.steps + CHECK_EVERY;
    if (this.now() >= this.deadline) throw new SplitTimeout();
  }
}

/** A budget that never runs out, for callers that only split (tests, tools) or only want the step count. */
export function unlimited(): SplitBudget {
  return new SplitBudget(Infinity);
}
