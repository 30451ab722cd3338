// Type declarations for generate.mjs (used by TypeScript tests to generate models programmatically).
export type ModelName = 'tiny' | 'concept' | 'full';

export interface ModelResult {
  readonly name: string;
  /** Absolute folder of the model. */
  readonly dir: string;
  /** True when the folder was already current (its generator.json matched). */
  readonly skipped: boolean;
  /** Generation time in seconds (0 when skipped). */
  readonly seconds: number;
  /** Relative path ('/'-separated) → size in bytes, generator.json excluded. */
  readonly files: Readonly<Record<string, number>>;
}

export declare const GENERATOR_VERSION: number;
export declare const MODEL_NAMES: readonly ModelName[];
export declare const DEFAULT_MODELS: readonly ModelName[];
export declare const STAMP_FILE: string;

/** Generates the models under `out` (one folder per model), skipping folders that are already current. */
export declare function generateModels(opts: {
  out: string;
  models?: readonly string[];
  force?: boolean;
  log?: (line: string) => void;
}): ModelResult[];

/** Writes only the tokenizer files of the full model (250,002 pieces) into `dir`. */
export declare function writeFullSizeTokenizer(dir: string): void;
