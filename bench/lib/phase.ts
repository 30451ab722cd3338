/**
 * The body of a benchmark phase: one child process per phase, so that its memory peak and its heap are its
 * own. The parent passes the arguments as one JSON string; the phase prints progress on stderr and its
 * result as the last line of stdout.
 */
export function runPhase<A, R>(fn: (args: A) => Promise<R>): void {
  const args = JSON.parse(process.argv[2] ?? '{}') as A;
  fn(args).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // onnxruntime and Orama keep nothing that needs flushing; exit now rather than wait for handles.
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

/** A progress line on stderr (the parent shows it, or not). */
export function note(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}
