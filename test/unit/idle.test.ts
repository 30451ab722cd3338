import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDLE_AFTER_MS, IdleTracker, type Clock } from '../../src/vscode/idle';

/** A clock that moves only when told, and runs the timers that fall due on the way. */
class FakeClock implements Clock {
  private time = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  /** Timers armed so far: what the tracker costs, counted. */
  armed = 0;

  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    this.armed++;
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };

  get pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

function tracked(focused: boolean) {
  const clock = new FakeClock();
  const changes: boolean[] = [];
  const tracker = new IdleTracker(focused, (idle) => changes.push(idle), IDLE_AFTER_MS, clock);
  return { clock, changes, tracker };
}

describe('the idle tracker', () => {
  it('counts a focused editor as in use at first, and as idle after a few seconds without activity', () => {
    const { clock, changes, tracker } = tracked(true);
    assert.equal(IDLE_AFTER_MS, 5000);
    assert.equal(tracker.idle, false);
    clock.advance(IDLE_AFTER_MS - 1);
    assert.deepEqual(changes, []);
    clock.advance(1);
    assert.deepEqual(changes, [true]);
    assert.equal(tracker.idle, true);
    assert.equal(clock.pending, 0, 'no timer runs while idle');
  });

  it('stays in use while someone types, and goes idle a full wait after the last keystroke', () => {
    const { clock, changes, tracker } = tracked(true);
    for (let i = 0; i < 200; i++) {
      clock.advance(100); // 20 s of typing, ten keystrokes a second
      tracker.activity();
    }
    assert.deepEqual(changes, []);
    clock.advance(IDLE_AFTER_MS - 1);
    assert.deepEqual(changes, []);
    clock.advance(1);
    assert.deepEqual(changes, [true]);
    // A keystroke only notes the time: the timer is armed again when it fires, about once per wait.
    assert.ok(clock.armed <= 2 * (20_000 / IDLE_AFTER_MS + 2), `${clock.armed} timers for 200 keystrokes`);
  });

  it('is in use again at the first keystroke or selection change after being idle', () => {
    const { clock, changes, tracker } = tracked(true);
    clock.advance(IDLE_AFTER_MS);
    tracker.activity();
    tracker.activity();
    assert.deepEqual(changes, [true, false], 'one change, however many events');
    clock.advance(IDLE_AFTER_MS);
    assert.deepEqual(changes, [true, false, true]);
  });

  it('is idle as soon as the window loses focus, and in use again when it comes back', () => {
    const { clock, changes, tracker } = tracked(true);
    clock.advance(1000);
    tracker.focusChanged(false);
    assert.deepEqual(changes, [true]);
    assert.equal(clock.pending, 0, 'no timer runs while the window is in the background');
    tracker.activity(); // a file changed on disk, a tool's edit: nobody is working
    tracker.focusChanged(false);
    clock.advance(60_000);
    assert.deepEqual(changes, [true]);
    tracker.focusChanged(true);
    assert.deepEqual(changes, [true, false]);
    clock.advance(IDLE_AFTER_MS);
    assert.deepEqual(changes, [true, false, true]);
  });

  it('is idle from the start in a window that is not focused, and arms no timer', () => {
    const { clock, changes, tracker } = tracked(false);
    assert.equal(tracker.idle, true);
    assert.equal(clock.pending, 0);
    tracker.focusChanged(true);
    assert.deepEqual(changes, [false]);
    assert.equal(clock.pending, 1);
  });

  it('stops its timer when disposed', () => {
    const { clock, changes, tracker } = tracked(true);
    tracker.dispose();
    clock.advance(IDLE_AFTER_MS * 2);
    assert.deepEqual(changes, []);
    assert.equal(clock.pending, 0);
  });
});
