import { ActionErrors } from '../../../src/core/errors.js';
import { shapeSecrets } from '../../../src/core/shape.js';
import { planSecrets } from '../../../src/core/plan/plan.js';

function shape(input: string, values: Record<string, string>) {
  const plan = planSecrets(input);
  const admitted: string[] = [];
  const secrets = shapeSecrets(plan, new Map(Object.entries(values)), (v) => admitted.push(v));
  return { secrets: Object.fromEntries(secrets.map((s) => [s.name, s.value])), admitted };
}

function codes(input: string, values: Record<string, string>): string[] {
  try {
    shape(input, values);
  } catch (error) {
    if (error instanceof ActionErrors) return error.errors.map((e) => `${e.line}:${e.code}`);
  }
  return [];
}

describe('shapeSecrets', () => {
  const db = JSON.stringify({
    user: 'u',
    hosts: ['a', 'b'],
    'max-conn': 5,
    tls: { 'ca.pem': 'x' },
    on: true,
    none: null,
  });

  it('flattens as SPEC §1.1 describes', () => {
    const { secrets } = shape('DB_*: vault:kv/db', { 'vault:kv/db': db });
    expect(secrets).toEqual({
      DB_USER: 'u',
      DB_HOSTS_0: 'a',
      DB_HOSTS_1: 'b',
      DB_MAX_CONN: '5',
      DB_TLS_CA_PEM: 'x',
      DB_ON: 'true',
      DB_NONE: '',
    });
  });

  it('selects leaves and sub-objects', () => {
    const { secrets, admitted } = shape(
      'U: vault:kv/db#user\nH: vault:kv/db#hosts.1\nT: vault:kv/db#tls\nW: vault:kv/db',
      {
        'vault:kv/db': db,
      },
    );
    expect(secrets).toMatchObject({ U: 'u', H: 'b', T: '{"ca.pem":"x"}', W: db });
    expect(admitted).toContain('{"ca.pem":"x"}');
  });

  it('admits no JSON true, false or null as a value (SPEC §1.2), flattened or selected', () => {
    const flags = JSON.stringify({ token: 'fake-token-7f3a', on: true, off: false, none: null });
    const flat = shape('F_*: vault:kv/flags', { 'vault:kv/flags': flags });
    expect(flat.secrets).toEqual({
      F_TOKEN: 'fake-token-7f3a',
      F_ON: 'true',
      F_OFF: 'false',
      F_NONE: '',
    });
    expect(flat.admitted).toEqual(['fake-token-7f3a']);
    const picked = shape('ON: vault:kv/flags#on\nNONE: vault:kv/flags#none', {
      'vault:kv/flags': flags,
    });
    expect(picked.secrets).toEqual({ ON: 'true', NONE: '' });
    expect(picked.admitted).toEqual([]);
    // The text `true` as fetched is a value like any other.
    expect(shape('T: vault:kv/t', { 'vault:kv/t': 'true' }).admitted).toEqual(['true']);
  });

  it('flattens a selected sub-object', () => {
    expect(shape('T_*: vault:kv/db#tls', { 'vault:kv/db': db }).secrets).toEqual({ T_CA_PEM: 'x' });
  });

  it('fails on selectors that find nothing, non-JSON values, collisions and reserved results', () => {
    expect(codes('A: vault:kv/db#nope', { 'vault:kv/db': db })).toEqual(['1:SELECTOR_NOT_FOUND']);
    expect(codes('A: vault:kv/db#hosts.7', { 'vault:kv/db': db })).toEqual([
      '1:SELECTOR_NOT_FOUND',
    ]);
    expect(codes('A: vault:kv/db#user.x', { 'vault:kv/db': db })).toEqual(['1:SELECTOR_NOT_FOUND']);
    expect(codes('A: vault:kv/raw#x', { 'vault:kv/raw': 'plain text' })).toEqual([
      '1:SELECTOR_NOT_JSON',
    ]);
    expect(codes('A_*: vault:kv/raw', { 'vault:kv/raw': 'plain text' })).toEqual([
      '1:SELECTOR_NOT_JSON',
    ]);
    expect(codes('A_*: vault:kv/db#user', { 'vault:kv/db': db })).toEqual(['1:SELECTOR_NOT_JSON']);
    expect(codes('DB_USER: vault:kv/db#user\nDB_*: vault:kv/db', { 'vault:kv/db': db })).toEqual([
      '2:NAME_COLLISION',
    ]);
    expect(codes('X_*: vault:kv/k', { 'vault:kv/k': '{"a-b":"1","a_b":"2"}' })).toEqual([
      '1:NAME_COLLISION',
    ]);
    expect(codes('PA_*: vault:kv/k', { 'vault:kv/k': '{"th":"x"}' })).toEqual([]);
  });

  it('never puts a value into an error message', () => {
    const value = JSON.stringify({ password: 'Zq9-very-secret-Zq9' });
    try {
      shape('A: vault:kv/x#pass\nB_*: vault:kv/y', {
        'vault:kv/x': value,
        'vault:kv/y': 'Zq9-very-secret-Zq9',
      });
      throw new Error('expected failure');
    } catch (error) {
      expect((error as Error).message.includes('Zq9-very-secret-Zq9')).toBe(false);
    }
  });
});
