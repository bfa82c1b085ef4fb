// One error base: every error class of the project extends OidcSecretsError, keeps a stable
// code and the standard `cause`, and says what it is about. The list below must name every
// error class in src (the last test reads the source to hold it to that).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  ActionError,
  ActionErrors,
  OidcSecretsError,
  describeForeignError,
  isSystemError,
  type ErrorAbout,
  type ErrorCode,
} from '../../../src/core/errors.js';
import { HttpError } from '../../../src/net/http.js';
import { REPO_ROOT } from '../../../test/support/runner.js';
import { StoreError } from '../../../src/store/errors.js';
import { SettingError } from '../../../src/core/settings.js';
import { UsageError } from '../../../src/cli/args.js';
import { FileCommandError } from '../../../src/github/commands.js';
import { SettingsFileError } from '../../../src/scan/config/settings.js';
import { ScanConfigError } from '../../../src/scan/config/config.js';
import { RegexTranslationError } from '../../../src/scan/config/re2.js';
import { ScanIncompleteError } from '../../../src/scan/detect/detector.js';
import { ReportWriteError } from '../../../src/scan/report/write.js';
import { GitError } from '../../../src/scan/sources/git.js';
import { BaselineError } from '../../../src/scan/config/baseline.js';
import { ScanInputError } from '../../../src/scan/sources/event.js';
import { TreeScanError } from '../../../src/scan/sources/tree.js';
import { SecretNotFoundError } from '../../../src/core/not-found.js';
import { SelectorMiss } from '../../../src/core/shape.js';

const cause = new Error('the underlying failure');
const about: ErrorAbout = { file: 'some/file', cause };

interface Case {
  error: OidcSecretsError;
  code: ErrorCode;
  /** Whether the class takes a cause (the others have none to keep). */
  keepsCause: boolean;
}

const CASES: Record<string, Case> = {
  OidcSecretsError: {
    error: new OidcSecretsError('INTERRUPTED', 'interrupted', about),
    code: 'INTERRUPTED',
    keepsCause: true,
  },
  ActionError: {
    error: new ActionError('SECRET_NOT_FOUND', 'no such secret', 3, {
      setting: 'vault-url',
      cause,
    }),
    code: 'SECRET_NOT_FOUND',
    keepsCause: true,
  },
  ActionErrors: {
    error: new ActionErrors([
      new ActionError('NAME_INVALID', 'a'),
      new ActionError('NAME_INVALID', 'b'),
    ]),
    code: 'PROBLEMS',
    keepsCause: false,
  },
  HttpError: {
    error: new HttpError('Vault login', 403, '', 'Vault login was refused (HTTP 403)'),
    code: 'HTTP_FAILED',
    keepsCause: false,
  },
  SettingError: {
    error: new SettingError('vault.url', 'an https:// URL'),
    code: 'INPUT_INVALID',
    keepsCause: false,
  },
  StoreError: {
    error: new StoreError('STORE_IO', 'cannot write store file x: EACCES', about),
    code: 'STORE_IO',
    keepsCause: true,
  },
  UsageError: {
    error: new UsageError('expected NAME', 'store set'),
    code: 'USAGE',
    keepsCause: false,
  },
  FileCommandError: {
    error: new FileCommandError('GITHUB_ENV is not set', about),
    code: 'FILE_COMMAND',
    keepsCause: true,
  },
  SettingsFileError: {
    error: new SettingsFileError('cannot read .gitleaks.toml: EACCES', about),
    code: 'SCAN_SETTINGS',
    keepsCause: true,
  },
  ScanConfigError: {
    error: new ScanConfigError('config: bad', about),
    code: 'SCAN_CONFIG',
    keepsCause: true,
  },
  RegexTranslationError: {
    error: new RegexTranslationError('rule "x": not a valid RE2 pattern', about),
    code: 'SCAN_REGEX',
    keepsCause: true,
  },
  ScanIncompleteError: {
    error: new ScanIncompleteError({ path: 'big.txt', ruleId: 'r', reason: 'budget' }),
    code: 'SCAN_INCOMPLETE',
    keepsCause: false,
  },
  ReportWriteError: {
    error: new ReportWriteError('sarif-file: cannot write out.sarif: EACCES', about),
    code: 'SCAN_OUTPUT',
    keepsCause: true,
  },
  BaselineError: {
    error: new BaselineError(
      '--baseline report.sarif: not a SARIF log or a gitleaks report',
      about,
    ),
    code: 'SCAN_SETTINGS',
    keepsCause: true,
  },
  GitError: {
    error: new GitError('cannot run git: ENOENT', about),
    code: 'SCAN_GIT',
    keepsCause: true,
  },
  ScanInputError: {
    error: new ScanInputError('mode: "x" is not one of auto, diff, tree', about),
    code: 'SCAN_INPUT',
    keepsCause: true,
  },
  TreeScanError: {
    error: new TreeScanError('cannot read x: EACCES', about),
    code: 'SCAN_PATH',
    keepsCause: true,
  },
  SecretNotFoundError: {
    error: new SecretNotFoundError('env:X: the variable is not set'),
    code: 'SECRET_NOT_FOUND',
    keepsCause: false,
  },
  SelectorMiss: {
    error: new SelectorMiss('SELECTOR_NOT_FOUND', 'secrets line 1 (A): no key b', 1),
    code: 'SELECTOR_NOT_FOUND',
    keepsCause: false,
  },
};

describe('every error class', () => {
  it.each(Object.keys(CASES))('%s extends the base, with its code and cause', (name) => {
    const { error, code, keepsCause } = CASES[name]!;
    expect(error).toBeInstanceOf(OidcSecretsError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    if (keepsCause) expect(error.cause).toBe(cause);
    else expect('cause' in error).toBe(false);
    // The name says the class (HttpError is reported as the ActionError it is).
    expect(error.name).toBe(name === 'HttpError' ? 'ActionError' : name);
  });

  it('says what it is about: the line, the setting, the file', () => {
    const action = new ActionError('INPUT_INVALID', 'm', 4, { setting: 'vault-url' });
    expect([action.line, action.setting, action.file]).toEqual([4, 'vault-url', undefined]);
    expect(new StoreError('STORE_IO', 'm', { file: 'f' }).file).toBe('f');
    expect(new ScanIncompleteError({ path: 'a/b', ruleId: 'r', reason: 'budget' }).file).toBe(
      'a/b',
    );
    expect('cause' in new ActionError('INPUT_INVALID', 'm')).toBe(false);
  });

  it('lists every problem at once, and is not one of them', () => {
    const list = new ActionErrors([
      new ActionError('NAME_INVALID', 'first', 1),
      new ActionError('NAME_RESERVED', 'second', 2),
    ]);
    expect(list.message).toBe('2 problems:\n- first\n- second');
    expect(list).not.toBeInstanceOf(ActionError);
    expect(new ActionErrors([new ActionError('NAME_INVALID', 'only')]).message).toBe('only');
  });

  it('is every class in src that extends an Error', () => {
    const root = join(REPO_ROOT, 'src');
    const parents = new Map<string, string>();
    const where = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          for (const m of text.matchAll(/\bclass\s+(\w+)\s+extends\s+(\w+)/g)) {
            parents.set(m[1]!, m[2]!);
            where.set(m[1]!, relative(root, path));
          }
        }
      }
    };
    walk(root);
    const chain = (name: string): string[] => {
      const seen = [name];
      for (let at = parents.get(name); at !== undefined; at = parents.get(at)) seen.push(at);
      return seen;
    };
    const errorClasses = [...parents.keys()].filter((name) => /Error$/.test(chain(name).at(-1)!));
    // The base is the only class that extends a built-in error directly.
    const direct = errorClasses.filter((name) => !parents.has(parents.get(name)!));
    expect(direct.map((name) => `${where.get(name)}: ${name}`)).toEqual([
      'core/errors.ts: OidcSecretsError',
    ]);
    expect(errorClasses.sort()).toEqual(Object.keys(CASES).sort());
  });
});

describe('what may be said of an error that is not ours', () => {
  it('a system error says its message (a path); anything else only its class', () => {
    let syntax: unknown;
    const fake = `fake-${Math.random().toString(36).slice(2)}`;
    try {
      JSON.parse(`{"token": "${fake}`);
    } catch (error) {
      syntax = error;
    }
    expect(isSystemError(syntax)).toBe(false);
    const said = describeForeignError(syntax);
    expect(said.startsWith('SyntaxError')).toBe(true);
    expect(said.includes(fake)).toBe(false);

    let enoent: unknown;
    try {
      readFileSync(join(REPO_ROOT, 'no-such-file'));
    } catch (error) {
      enoent = error;
    }
    expect(isSystemError(enoent)).toBe(true);
    expect(describeForeignError(enoent)).toContain('no-such-file');
    expect(describeForeignError('a string')).toMatch(/^string;/);
    expect(describeForeignError({ name: 'not a\nname' })).toMatch(/^object;/);
  });
});
