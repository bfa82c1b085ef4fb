// Reading fields out of a provider's error body as the HTTP client keeps it: scrubbed of
// credentials and cut to a few hundred characters, so often no longer valid JSON. A field
// is found by its `"name": "…"` text and decoded as a JSON string; a cut-off string still
// yields what arrived of it.

export function jsonStringField(text: string, name: string): string | undefined {
  const pattern = new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)("?)`);
  const match = pattern.exec(text);
  if (!match) return undefined;
  const raw = (match[1] ?? '').replace(/\\$/, '');
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

export function jsonNumberField(text: string, name: string): number | undefined {
  const match = new RegExp(`"${name}"\\s*:\\s*\\[?\\s*(-?\\d+)`).exec(text);
  return match ? Number(match[1]) : undefined;
}
