/** `30d`, `12h`, `15m`, `3600s` or a bare number of seconds → seconds. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function parseDuration(text: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 3600s, 15m, 12h, 30d)`);
  return Number(match[1]) * UNITS[match[2] || 's'];
}
