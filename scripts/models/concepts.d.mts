// Type declarations for concepts.mjs (so TypeScript tests can import the plain-JS concept list).
export type Language = 'en' | 'ko' | 'ja' | 'zh';

export interface Concept {
  /** Stable identifier, also the English base word. */
  readonly id: string;
  /** English forms (lowercase); the first is the base form. Capitalised/UPPERCASE variants also map to the concept. */
  readonly en: readonly string[];
  readonly ko: readonly string[];
  readonly ja: readonly string[];
  /** Simplified Chinese. */
  readonly zh: readonly string[];
}

export interface ParallelSentence {
  /** Ids of the concepts the sentence contains (each once, in every language). */
  readonly concepts: readonly string[];
  readonly en: string;
  readonly ko: string;
  readonly ja: string;
  readonly zh: string;
}

export declare const LANGUAGES: readonly Language[];
/** All concepts, in the fixed order that determines their vectors. */
export declare const CONCEPTS: readonly Concept[];
/** Four-language sentence sets whose versions embed (almost) identically under the concept model. */
export declare const PARALLEL_SENTENCES: readonly ParallelSentence[];
/** The concept with this id; throws for an unknown id. */
export declare function conceptById(id: string): Concept;
/** A concept's words in one language, or in all languages. */
export declare function conceptWords(concept: Concept, language?: Language): string[];
