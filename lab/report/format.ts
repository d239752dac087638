// Cell formatting the report's tables share.
export const DASH = '—';
export const orDash = <T>(value: T | null | undefined, format: (v: T) => string) => (value === null || value === undefined ? DASH : format(value));
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
