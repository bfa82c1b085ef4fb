// SPEC §1.4a: names that change how later programs load code, whom they trust or how they
// configure themselves are reserved, case-insensitively, and flatten prefixes that can only
// produce such names are refused too.
import { reservedPrefixReason, reservedReason } from '../../../src/core/plan/names.js';
import { planSecrets } from '../../../src/core/plan/plan.js';
import { ActionErrors } from '../../../src/core/errors.js';

const RESERVED = [
  // git's environment configuration and the programs git runs
  'GIT_CONFIG',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_KEY_0',
  'GIT_CONFIG_VALUE_0',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_EXEC_PATH',
  'GIT_PROXY_COMMAND',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_TEMPLATE_DIR',
  'GIT_SSL_NO_VERIFY',
  'GIT_TRACE_PACKET',
  // runtimes
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'JAVA_TOOL_OPTIONS',
  'DOTNET_STARTUP_HOOKS',
  'DOTNET_ADDITIONAL_DEPS',
  'COMPlus_EnableDiagnostics',
  'COR_ENABLE_PROFILING',
  'COR_PROFILER_PATH',
  'CORECLR_PROFILER_PATH_64',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONPATH',
  'PYTHONWARNINGS',
  'PYTHONBREAKPOINT',
  'PERL5LIB',
  'PERLLIB',
  'PERL5OPT',
  'RUBYLIB',
  'RUBYOPT',
  'GEM_HOME',
  'GEM_PATH',
  'NODE_OPTIONS',
  // loaders and the C library
  'LD_PRELOAD',
  'LD_AUDIT',
  'LD_BIND_NOW',
  'LD_ANYTHING_AT_ALL',
  'DYLD_INSERT_LIBRARIES',
  'DYLD_FALLBACK_LIBRARY_PATH',
  'GCONV_PATH',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  'RES_OPTIONS',
  'GLIBC_TUNABLES',
  'MALLOC_CHECK_',
  // shells, editors, pagers
  'PROMPT_COMMAND',
  'BASH_ENV',
  'ZDOTDIR',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'LESSOPEN',
  // trust
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'OPENSSL_CONF',
  // cloud and cluster clients' configuration files (programs run for credentials)
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'KUBECONFIG',
  'DOCKER_CONFIG',
  // package managers
  'npm_config_script_shell',
  'NPM_CONFIG_REGISTRY',
  'PIP_CONFIG_FILE',
  // the runner
  'GITHUB_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'PATH',
];

const FREE = [
  'GIT_TOKEN',
  'GIT_PASSWORD',
  'GITLAB_TOKEN',
  'PYTHON_TOKEN',
  'GEM_HOST_API_KEY',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'HTTPS_PROXY',
  'DB_PASSWORD',
  'LDAP_PASSWORD',
  'CORS_ORIGIN',
  'DOTNETRC',
  'AWS_REGION',
  'AWS_PROFILE',
  'KUBE_TOKEN',
  'DOCKER_PASSWORD',
  'DOCKER_AUTH_CONFIG',
];

describe('reserved names', () => {
  it.each(RESERVED)('reserves %s, in any case', (name) => {
    expect(reservedReason(name)).toBeDefined();
    expect(reservedReason(name.toLowerCase())).toBeDefined();
  });

  it.each(FREE)('leaves %s free', (name) => expect(reservedReason(name)).toBeUndefined());

  it('says why, naming the group', () => {
    expect(reservedReason('git_config_count')).toBe(
      'names starting with GIT_CONFIG are reserved: git or ssh reads it to configure itself or to choose a program to run',
    );
    expect(reservedReason('PYTHONHOME')).toBe(
      'names starting with PYTHON and a letter or digit are reserved: a language runtime reads it to decide what code to load or how to start',
    );
    expect(reservedReason('EDITOR')).toBe('EDITOR is reserved: tools run the program it names');
    expect(reservedReason('GITHUB_TOKEN')).toBe(
      'names starting with GITHUB_ are reserved for the runner',
    );
  });

  it.each(['GIT_CONFIG_', 'git_config_key_', 'LD_', 'DYLD_X_', 'NPM_CONFIG_', 'COR_', 'PYTHONX_'])(
    'refuses the flatten prefix %s* (every name it produces is reserved)',
    (prefix) => expect(reservedPrefixReason(prefix)).toBeDefined(),
  );

  it.each(['GIT_', 'PYTHON_', 'DB_', 'NPM_'])('accepts the flatten prefix %s*', (prefix) =>
    expect(reservedPrefixReason(prefix)).toBeUndefined(),
  );

  it('refuses such lines in the secrets input, naming each line', () => {
    let thrown: unknown;
    try {
      planSecrets(
        [
          'OK: vault:secret/data/a#x',
          'GIT_CONFIG_COUNT: vault:secret/data/a#n',
          'git_config_*: vault:secret/data/git',
          '_JAVA_OPTIONS: vault:secret/data/a#j',
          'PROMPT_COMMAND: vault:secret/data/a#p',
        ].join('\n'),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ActionErrors);
    const errors = (thrown as ActionErrors).errors;
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'NAME_RESERVED'],
      [3, 'NAME_RESERVED'],
      [4, 'NAME_RESERVED'],
      [5, 'NAME_RESERVED'],
    ]);
    expect(errors[1]?.message).toMatch(
      /^secrets line 3 \(git_config_\*\): names starting with GIT_CONFIG/,
    );
  });
});
