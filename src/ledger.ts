// What must be undone — leases, tokens, the files directory — recorded the moment each one
// exists, so the post step can undo a main step that failed half way (SPEC §1.5).
//
// Each entry is its own state variable (`ledger_<n>`): the runner keeps the last value per
// name, so appending one name per entry costs O(1) per record and nothing is lost when the
// process dies right after a write. The state file is never printed; entries hold what
// revocation needs, which for a Vault token is the token itself. (Any later step of the job
// can mint the job's OIDC token and log in for itself, so keeping the token there gives
// nothing away that the job did not already have.)

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

export type StateWriter = (name: string, value: string) => void;

export class Ledger {
  private readonly list: LedgerEntry[] = [];

  constructor(private readonly write: StateWriter) {}

  record(entry: LedgerEntry): void {
    this.list.push(entry);
    this.write(`${LEDGER_STATE_PREFIX}${stateIndex(this.list.length)}`, JSON.stringify(entry));
  }

  /** Tells post that main has undone this entry already. */
  markRevoked(entry: LedgerEntry): void {
    const index = this.list.indexOf(entry);
    if (index >= 0) this.write(`${REVOKED_STATE_PREFIX}${stateIndex(index + 1)}`, 'true');
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
}

/** Reads the entries main saved, from STATE_ledger_* and STATE_revoked_*. */
export function readLedger(env: NodeJS.ProcessEnv = process.env): SavedLedger {
  const prefix = `STATE_${LEDGER_STATE_PREFIX}`;
  const saved: SavedLedger = { pending: [], revokedByMain: [] };
  const names = Object.keys(env)
    .filter((key) => key.startsWith(prefix))
    .sort();
  for (const name of names) {
    const entry = parseEntry(env[name]);
    if (!entry) continue;
    const done = env[`STATE_${REVOKED_STATE_PREFIX}${name.slice(prefix.length)}`] === 'true';
    (done ? saved.revokedByMain : saved.pending).push(entry);
  }
  return saved;
}

function parseEntry(text: string | undefined): LedgerEntry | undefined {
  try {
    const entry = JSON.parse(text ?? '') as LedgerEntry;
    return typeof entry.provider === 'string' && typeof entry.kind === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}
