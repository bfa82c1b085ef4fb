// What must be undone — leases, tokens, the files directory — recorded the moment each one
// exists, so the post step can undo a main step that failed half way (SPEC §1.5).
//
// Each entry is its own state variable (`ledger_<n>`): the runner keeps the last value per
// name, so appending one name per entry costs O(1) per record and nothing is lost when the
// process dies right after a write. The state file is never printed; entries hold what
// revocation needs, which for a Vault token is the token itself. (Any later step of the job
// can mint the job's OIDC token and log in for itself, so keeping the token there gives
// nothing away that the job did not already have.)
//
// Post must act only on what main recorded for itself. Post reads its state from
// environment variables, STATE_<name>, and any earlier step can add variables to the
// environment of every later step (GITHUB_ENV), STATE_* names included: a planted
// `STATE_ledger_00009` naming a path or a lease would otherwise be removed or revoked, and a
// planted `STATE_revoked_00001` would make post skip a real lease. So:
// - main draws a random 256-bit key per run and saves it (`seal_key`) before anything
//   else, and every value it saves is sealed: HMAC-SHA256 under that key over the state
//   name and the value. Post trusts a value only if its seal verifies, and ignores (with a
//   warning naming neither value nor token) whatever does not.
// - The attacker cannot choose the key post uses: the runner builds post's environment from
//   the job's env context and then applies the state main saved "at last"
//   (actions/runner ActionRunner.cs), so main's `seal_key` replaces a planted
//   `STATE_seal_key`. Main saves the key as soon as its inputs parse, before it creates anything
//   or reads anything else, so the only runs in which post sees a planted key are runs in
//   which the workflow's own inputs were invalid and main saved nothing — and then there is
//   nothing of ours to revoke. Even then a planted "files directory" must pass
//   the checks in revoke.ts (a direct child of RUNNER_TEMP named as main names it, a real
//   directory we own), so the worst a forged ledger can do there is make post revoke a token
//   the attacker already holds.
// - The attacker does not know the key: environment injection gives no read of the state
//   file. (A step that runs code of its own in the job could read it, as it could read the
//   exported values themselves; that is outside what this protects.)
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LedgerEntry {
  /** The provider that can undo it, or `files` for the files directory. */
  provider: string;
  /** What it is, in the provider's terms: `lease`, `token`, `dir`. */
  kind: string;
  /** What a log may show: a lease id, a token's accessor prefix, a path. Never a secret. */
  label: string;
  /** What undoing needs. */
  data: Record<string, string>;
}

export const LEDGER_STATE_PREFIX = 'ledger_';
/** `revoked_<n>` marks entry n as undone by main already (after a failure). */
export const REVOKED_STATE_PREFIX = 'revoked_';
/** The per-run key that seals every state value main saves. */
export const LEDGER_KEY_STATE = 'seal_key';
const KEY_BYTES = 32;

export type StateWriter = (name: string, value: string) => void;

/**
 * What main saved, as post reads it back. The front end says where state lives (on a runner,
 * `STATE_<name>` variables: src/github/state.ts); the ledger only reads names and values.
 */
export interface SavedState {
  get(name: string): string | undefined;
  /** Every saved name, planted ones included. */
  names(): string[];
}

/** `<mac>.<value>`: the value with its HMAC under the run's key, bound to its state name. */
export function sealState(key: Buffer, name: string, value: string): string {
  return `${stateMac(key, name, value)}.${value}`;
}

/** The value of a sealed state variable, or undefined when its seal does not verify. */
export function openState(
  key: Buffer,
  name: string,
  sealed: string | undefined,
): string | undefined {
  if (sealed === undefined) return undefined;
  const dot = sealed.indexOf('.');
  if (dot < 0) return undefined;
  const value = sealed.slice(dot + 1);
  const given = Buffer.from(sealed.slice(0, dot), 'utf8');
  const expected = Buffer.from(stateMac(key, name, value), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined;
}

function stateMac(key: Buffer, name: string, value: string): string {
  return createHmac('sha256', key).update(`${name}\0${value}`, 'utf8').digest('base64url');
}

/** The key main saved; undefined when absent or malformed. */
export function savedKey(state: SavedState): Buffer | undefined {
  const text = state.get(LEDGER_KEY_STATE);
  if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

export class Ledger {
  private readonly list: LedgerEntry[] = [];
  private readonly key = randomBytes(KEY_BYTES);
  private keySaved = false;

  constructor(private readonly write: StateWriter) {}

  /**
   * Saves the run's key. Main calls this before it creates anything, so that post's
   * `seal_key` is always main's own (see the top of this file).
   */
  saveKey(): void {
    if (this.keySaved) return;
    this.write(LEDGER_KEY_STATE, this.key.toString('base64'));
    this.keySaved = true;
  }

  record(entry: LedgerEntry): void {
    this.saveKey();
    this.list.push(entry);
    this.writeSealed(
      `${LEDGER_STATE_PREFIX}${stateIndex(this.list.length)}`,
      JSON.stringify(entry),
    );
  }

  /** Tells post that main has undone this entry already. */
  markRevoked(entry: LedgerEntry): void {
    const index = this.list.indexOf(entry);
    if (index >= 0) this.writeSealed(`${REVOKED_STATE_PREFIX}${stateIndex(index + 1)}`, 'true');
  }

  /** Saves another value post must be able to trust (the sweep's fingerprints). */
  writeSealed(name: string, value: string): void {
    this.saveKey();
    this.write(name, sealState(this.key, name, value));
  }

  get entries(): readonly LedgerEntry[] {
    return this.list;
  }
}

function stateIndex(position: number): string {
  return String(position).padStart(5, '0');
}

export interface SavedLedger {
  /** Entries still to undo, in the order they were recorded. */
  pending: LedgerEntry[];
  /** Entries main undid itself after a failure. */
  revokedByMain: LedgerEntry[];
  /** Saved `ledger_*` and `revoked_*` values whose seal did not verify: ignored. */
  rejected: number;
}

/** Reads the entries main saved, from its `ledger_*` and `revoked_*` state. */
export function readLedger(state: SavedState): SavedLedger {
  const key = savedKey(state);
  const saved: SavedLedger = { pending: [], revokedByMain: [], rejected: 0 };
  const names = state.names();
  for (const name of names.filter((n) => n.startsWith(LEDGER_STATE_PREFIX)).sort()) {
    const text = key ? openState(key, name, state.get(name)) : undefined;
    const entry = text === undefined ? undefined : parseEntry(text);
    if (!entry) {
      saved.rejected++;
      continue;
    }
    const revokedName = `${REVOKED_STATE_PREFIX}${name.slice(LEDGER_STATE_PREFIX.length)}`;
    const done =
      key !== undefined && openState(key, revokedName, state.get(revokedName)) === 'true';
    (done ? saved.revokedByMain : saved.pending).push(entry);
  }
  // A revoked mark that does not verify is ignored: its entry is revoked again (harmless).
  for (const name of names) {
    if (!name.startsWith(REVOKED_STATE_PREFIX)) continue;
    if (!key || openState(key, name, state.get(name)) !== 'true') saved.rejected++;
  }
  return saved;
}

function parseEntry(text: string): LedgerEntry | undefined {
  try {
    const entry = JSON.parse(text) as Partial<LedgerEntry> | null;
    if (!entry || typeof entry !== 'object') return undefined;
    const { provider, kind, label, data } = entry;
    if (typeof provider !== 'string' || typeof kind !== 'string') return undefined;
    if (typeof label !== 'string' || !data || typeof data !== 'object') return undefined;
    return { provider, kind, label, data };
  } catch {
    return undefined;
  }
}
