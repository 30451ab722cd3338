// Timed progress lines, so every run shows where its time goes.

/** Returns a logger that prefixes each line with the seconds since it was made, e.g. "[e2e 12.3s] …". */
export function stopwatch(label: string): (message: string) => void {
  const t0 = performance.now();
  return (message) => console.log(`[${label} ${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}
