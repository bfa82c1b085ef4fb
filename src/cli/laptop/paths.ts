// Paths as messages show them: under the home directory as ~/…, so a message names the file
// the way the person knows it.
import { relative, sep } from 'node:path';

export function shownPath(path: string, home: string): string {
  if (!home) return path;
  const inside = relative(home, path);
  if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) return path;
  return `~/${inside.split(sep).join('/')}`;
}
