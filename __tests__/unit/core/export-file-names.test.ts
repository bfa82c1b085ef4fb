// export: files sets NAME_FILE beside each secret; NAME_FILE must not be a reserved name
// either (SPEC §1.4a): SSL_CERT would otherwise set SSL_CERT_FILE, whom TLS clients trust,
// to a file holding the fetched value. Lines are refused before any request
// (checkFileNames), names a flattened line produced before anything is written (checkExport).
import { ActionError, ActionErrors } from '../../../src/core/errors.js';
import { checkExport, checkFileNames } from '../../../src/github/export.js';

function refusals(run: () => void): ActionError[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ActionErrors) return error.errors;
    if (error instanceof ActionError) return [error];
    throw error;
  }
  return [];
}

const line = (name: string, n: number, flatten = false) => ({ name, line: n, flatten });

describe('NAME_FILE under export: files', () => {
  it('refuses every line whose NAME_FILE is reserved, naming the line and why', () => {
    const errors = refusals(() =>
      checkFileNames(
        [
          line('OK', 1),
          line('SSL_CERT', 2),
          line('PIP_CONFIG', 3),
          line('GIT_INDEX', 4),
          line('INPUT', 5),
          line('aws_config', 6),
          line('LD', 7),
        ],
        ['files'],
      ),
    );
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['NAME_RESERVED', 2],
      ['NAME_RESERVED', 3],
      ['NAME_RESERVED', 4],
      ['NAME_RESERVED', 5],
      ['NAME_RESERVED', 6],
      ['NAME_RESERVED', 7],
    ]);
    expect(errors[0]!.message).toBe(
      "secrets line 2 (SSL_CERT): export files would set SSL_CERT_FILE to the path of SSL_CERT's file, and SSL_CERT_FILE is reserved: it changes which servers TLS clients trust",
    );
  });

  it('leaves the same names alone when files are not exported, and free NAME_FILEs alone', () => {
    const lines = [line('SSL_CERT', 1), line('LD', 2)];
    for (const modes of [['env'], ['outputs'], ['none'], ['env', 'outputs']] as const)
      expect(refusals(() => checkFileNames(lines, modes))).toEqual([]);
    expect(
      refusals(() => checkFileNames([line('DB_PASSWORD', 1), line('TLS_KEY', 2)], ['files'])),
    ).toEqual([]);
  });

  it('leaves flattened lines to the names they produce, refused before anything is written', () => {
    expect(refusals(() => checkFileNames([line('SSL_', 1, true)], ['files']))).toEqual([]);
    const produced = [
      { name: 'SSL_HOST', value: 'fake-host', line: 1 },
      { name: 'SSL_CERT', value: 'fake-cert', line: 1 },
    ];
    const errors = refusals(() => checkExport(produced, ['files', 'env'], 'linux', {}));
    expect(errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'NAME_RESERVED',
        1,
        "secrets line 1: export files would set SSL_CERT_FILE to the path of SSL_CERT's file, and SSL_CERT_FILE is reserved: it changes which servers TLS clients trust",
      ],
    ]);
    expect(refusals(() => checkExport(produced, ['env'], 'linux', {}))).toEqual([]);
  });

  it('refuses NAME beside NAME_FILE only where both reach the env file', () => {
    const both = [
      { name: 'A', value: 'fake-a', line: 1 },
      { name: 'A_FILE', value: 'fake-b', line: 2 },
    ];
    expect(
      refusals(() => checkExport(both, ['files', 'env'], 'linux', {})).map((e) => e.code),
    ).toEqual(['NAME_COLLISION']);
    // files alone sets A_FILE and A_FILE_FILE: no clash.
    expect(refusals(() => checkExport(both, ['files'], 'linux', {}))).toEqual([]);
    expect(refusals(() => checkExport(both, ['files', 'outputs'], 'linux', {}))).toEqual([]);
  });
});
