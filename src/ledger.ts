// What must be undone — leases, tokens, the files directory — recorded the moment each one
// exists, so the post step can undo a main step that failed half way (SPEC §1.5).
//
// Each entry is its own state variable (`ledger_<n>`): the runner keeps the last value per
// name, so appending one name per entry costs O(1) per record and nothing is lost when the
// process dies right after a write. The state file is never printed; entries hold what
// revocation needs, which for a Vault token is the token itself (it is masked too).

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

export type StateWriter = (name: string, value: string) => void;

export class Ledger {
  private readonly list: LedgerEntry[] = [];

  constructor(private readonly write: StateWriter) {}

  record(entry: LedgerEntry): void {
    this.list.push(entry);
    this.write(
      `${LEDGER_STATE_PREFIX}${String(this.list.length).padStart(5, '0')}`,
      JSON.stringify(entry),
    );
  }

  get entries(): readonly LedgerEntry[] {
    return this.list;
  }
}

/** Reads the entries main saved, in the order they were recorded, from STATE_ledger_*. */
export function readLedger(env: NodeJS.ProcessEnv = process.env): LedgerEntry[] {
  const prefix = `STATE_${LEDGER_STATE_PREFIX}`;
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix))
    .sort()
    .flatMap((name) => {
      try {
        const entry = JSON.parse(env[name] ?? '') as LedgerEntry;
        return typeof entry.provider === 'string' && typeof entry.kind === 'string' ? [entry] : [];
      } catch {
        return [];
      }
    });
}
