// A finding is shown as at most its first four characters and a fixed mask, whatever its
// length: enough to recognise a token's type (`ghp_*****`), never enough to use it. Short
// secrets show less, so that no more than a quarter of any secret is ever printed.
export function redact(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, shown)}*****`;
}
