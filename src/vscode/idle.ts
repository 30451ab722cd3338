/*
 * Whether the editor is idle, as a state machine of its own: no VS Code API here, so that the unit tests run
 * it in plain Node with the events and a clock of their own (idleEffort.ts feeds it VS Code's events).
 */

/** After this long without typing or moving the selection, the editor counts as idle. */
export const IDLE_AFTER_MS = 5000;

/** The time and the one timer the tracker uses: the real ones, or a test's. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The editor is idle while its window is not focused, or when nobody has typed or moved the selection for
 * `idleAfterMs`; `onChange` hears each change, and only changes. Typing runs on every keystroke, so activity
 * only notes the time: the one timer, armed while someone works, is not reset per keystroke but, when it
 * fires early, armed again for what is left of the wait.
 */
export class IdleTracker {
  private focused: boolean;
  private lastActivity: number;
  private timer: unknown;
  private isIdle: boolean;

  constructor(
    focused: boolean,
    private readonly onChange: (idle: boolean) => void,
    private readonly idleAfterMs = IDLE_AFTER_MS,
    private readonly clock: Clock = realClock,
  ) {
    this.focused = focused;
    this.lastActivity = clock.now();
    // A focused window at start counts as in use: whoever opened it is likely about to work.
    this.isIdle = !focused;
    if (focused) this.arm(idleAfterMs);
  }

  get idle(): boolean {
    return this.isIdle;
  }

  /** The window gained or lost focus. Coming back counts as activity: whoever focuses it is about to work. */
  focusChanged(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    if (focused) {
      this.activity();
    } else {
      this.disarm();
      this.set(true);
    }
  }

  /**
   * Someone typed or moved the selection. Changes while the window is not focused are not someone working
   * (a file changed on disk, a tool's edit), so they are not activity.
   */
  activity(): void {
    if (!this.focused) return;
    this.lastActivity = this.clock.now();
    if (this.timer === undefined) this.arm(this.idleAfterMs);
    if (this.isIdle) this.set(false);
  }

  dispose(): void {
    this.disarm();
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.expired(), ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The wait ended: idle if nothing happened since it began, else wait for the rest of the time since the last activity. */
  private expired(): void {
    this.timer = undefined;
    const left = this.lastActivity + this.idleAfterMs - this.clock.now();
    if (left > 0) this.arm(left);
    else this.set(true);
  }

  private set(idle: boolean): void {
    if (idle === this.isIdle) return;
    this.isIdle = idle;
    this.onChange(idle);
  }
}
