// Where `read`, `redact` and `export` register masks in a job. Their stdout is data: in
// `X=$(oidc-secrets read REF)` or `… | tool` it goes to the shell or the next program, never
// to the runner, so a mask written there would be lost and would corrupt the data; stderr is
// then the only channel that reaches the runner. But when the step's script runs the command
// bare, its stdout IS the runner's: the value is printed to the job's log, and a mask on the
// other channel could be read after it (the runner reads stdout and stderr separately; SPEC
// §1.2 puts masks on stdout for that reason). That case is told apart on Linux by comparing
// our stdout with the parent shell's: the same pipe means our output goes where the script's
// goes.
import { readlinkSync } from 'node:fs';

/**
 * Whether this process's stdout is the very pipe or file its parent writes to (Linux
 * /proc); false when that cannot be told (other systems, a parent already gone).
 */
export function stdoutIsParents(procRoot = '/proc', parent = process.ppid): boolean {
  try {
    const own = readlinkSync(`${procRoot}/self/fd/1`);
    return own === readlinkSync(`${procRoot}/${parent}/fd/1`);
  } catch {
    return false;
  }
}
