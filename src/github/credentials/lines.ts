// The `credentials` input (SPEC §1.7) → typed lines. Pure: every problem of a line on its
// own is found here, all at once, each naming its line; checks against the settings are
// in check.ts.
import { ActionError, ActionErrors } from '../../core/errors.js';

export type CredentialLine =
  | { line: number; target: 'aws'; mode: 'env' }
  | {
      line: number;
      target: 'aws';
      mode: 'profile';
      /** `default` unless named. */
      profile: string;
      /** Unset: aws-role-arn (and aws-role-chain). */
      role?: string | undefined;
      /** Unset: aws-region. */
      region?: string | undefined;
    }
  | { line: number; target: 'gcp'; mode: 'adc' }
  | { line: number; target: 'azure'; mode: 'env' }
  | { line: number; target: 'vault'; mode: 'env' };

export type CredentialTarget = CredentialLine['target'];

/** Each target and the forms it takes. */
const FORMS: Record<CredentialTarget, readonly string[]> = {
  aws: ['env', 'profile'],
  gcp: ['adc'],
  azure: ['env'],
  vault: ['env'],
};
const TARGETS = Object.keys(FORMS) as CredentialTarget[];

/** AWS's profile names: no spaces or brackets (the config file's section header). */
const PROFILE_NAME = /^[A-Za-z0-9_.+@-]{1,64}$/;
/** A region such as eu-west-1, us-gov-west-1, cn-north-1. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

export function parseCredentials(input: string): CredentialLine[] {
  const lines: CredentialLine[] = [];
  const errors: ActionError[] = [];
  input.split(/\r?\n/).forEach((raw, index) => {
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    try {
      lines.push(parseLine(text, index + 1));
    } catch (error) {
      if (error instanceof ActionError) errors.push(error);
      else throw error;
    }
  });
  errors.push(...duplicates(lines));
  if (errors.length) throw new ActionErrors(errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return lines;
}

function fail(line: number, message: string): never {
  throw new ActionError('INPUT_INVALID', `credentials line ${line}: ${message}`, line);
}

function parseLine(text: string, line: number): CredentialLine {
  const colon = text.indexOf(':');
  if (colon < 0)
    fail(
      line,
      `expected TARGET: FORM, one of ${TARGETS.map((t) => `${t}: ${FORMS[t].join('|')}`).join(', ')}`,
    );
  const target = text.slice(0, colon).trim();
  const words = text
    .slice(colon + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!(TARGETS as string[]).includes(target)) {
    const closest = closestTarget(target);
    fail(
      line,
      `unknown target ${JSON.stringify(target)}` +
        (closest ? ` (did you mean ${closest}?)` : '') +
        `; the targets are ${TARGETS.join(', ')}`,
    );
  }
  const known = target as CredentialTarget;
  const [form, ...rest] = words;
  if (!form || !FORMS[known].includes(form))
    fail(line, `${known} takes ${FORMS[known].map((f) => `${known}: ${f}`).join(' or ')}`);
  if (known === 'aws' && form === 'profile') return profileLine(rest, line);
  if (rest.length) fail(line, `${known}: ${form} takes nothing after it`);
  return { line, target: known, mode: form } as CredentialLine;
}

function profileLine(words: string[], line: number): CredentialLine {
  let profile: string | undefined;
  let role: string | undefined;
  let region: string | undefined;
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      if (profile !== undefined)
        fail(line, 'aws: profile takes one NAME, then role=ARN and region=R');
      if (!PROFILE_NAME.test(word))
        fail(line, 'a profile name is 1 to 64 letters, digits and _ . + @ -');
      profile = word;
      continue;
    }
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'role' && role === undefined) {
      // Checked against ROLE_ARN with the settings (check.ts), where the message is shared.
      role = value;
    } else if (key === 'region' && region === undefined) {
      if (!REGION.test(value)) fail(line, 'region= takes a region such as eu-west-1');
      region = value;
    } else {
      fail(line, `aws: profile takes NAME, role=ARN and region=R, each once (not ${key}=)`);
    }
  }
  return { line, target: 'aws', mode: 'profile', profile: profile ?? 'default', role, region };
}

function duplicates(lines: readonly CredentialLine[]): ActionError[] {
  const seen = new Map<string, number>();
  const errors: ActionError[] = [];
  for (const line of lines) {
    const key = line.mode === 'profile' ? `aws profile ${line.profile}` : line.target;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, line.line);
      continue;
    }
    errors.push(
      new ActionError(
        'INPUT_INVALID',
        `credentials line ${line.line}: ${key === line.target ? `${line.target}: ${line.mode}` : `profile ${(line as { profile: string }).profile}`} is already given by line ${first}`,
        line.line,
      ),
    );
  }
  return errors;
}

/** The target one or two edits away (`gpc` → gcp, `asw` → aws), if any. */
export function closestTarget(word: string): CredentialTarget | undefined {
  const lower = word.toLowerCase();
  let best: { target: CredentialTarget; distance: number } | undefined;
  for (const target of TARGETS) {
    const distance = editDistance(lower, target);
    if (distance <= 2 && (!best || distance < best.distance)) best = { target, distance };
  }
  return best?.target;
}

/** Optimal string alignment distance: a swap of two neighbours counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
