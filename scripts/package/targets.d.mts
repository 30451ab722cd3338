export interface Target { target: string; os: string; arch: string; binDir: string; binaries: string[] }
export const TARGETS: Target[];
export const REQUIRED_FILES: string[];
export function checkEntries(target: string, names: string[], options?: { model?: boolean }): string[];
