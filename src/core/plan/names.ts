// Environment variable names: which ones a secret may take, and which it must never take.

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names a secret must not take (SPEC §1.4a): the runner's own variables, and variables that
 * change how later programs load code, whom they trust, or where they read configuration.
 * An exported secret under such a name would let whoever controls the value (a secret
 * store, a file in the workspace) run code or redirect trust in every later step.
 *
 * Each group is exact names and name prefixes, matched case-insensitively (Windows'
 * environment is). A prefix is a regular expression that looks only at the start of a
 * name, so a flatten prefix (`NAME_*`) that matches one produces only reserved names.
 */
interface ReservedGroup {
  exact: readonly string[];
  prefixes: readonly RegExp[];
  /** Why, for the message: "… is reserved: <why>". */
  why: string;
}

const GROUPS: readonly ReservedGroup[] = [
  {
    // The runner sets these for every step; a secret in their place would break the job or
    // impersonate the runner (ACTIONS_ID_TOKEN_REQUEST_*, GITHUB_ENV, INPUT_*, STATE_*).
    exact: ['CI'],
    prefixes: [/^GITHUB_/, /^RUNNER_/, /^ACTIONS_/, /^INPUT_/, /^STATE_/],
    why: 'the runner or later steps depend on it',
  },
  {
    // The shell every `run:` step starts: search path, start-up files it sources, and
    // variables it evaluates or splits words with.
    exact: [
      'PATH',
      'HOME',
      'SHELL',
      'USER',
      'PWD',
      'OLDPWD',
      'TMPDIR',
      'BASH_ENV',
      'ENV',
      'ZDOTDIR',
      'SHELLOPTS',
      'BASHOPTS',
      'PS4',
      'IFS',
      'CDPATH',
      'PROMPT_COMMAND',
    ],
    prefixes: [],
    why: 'the shell of every later step reads it (search path, start-up files, evaluated text)',
  },
  {
    // The dynamic loaders: every LD_* (glibc and musl read LD_PRELOAD, LD_AUDIT,
    // LD_LIBRARY_PATH and more) and every DYLD_* on macOS.
    exact: [],
    prefixes: [/^LD_/, /^DYLD_/],
    why: 'the dynamic loader reads it: it decides which libraries every program loads',
  },
  {
    // What glibc itself strips from the environment of setuid programs (UNSECURE_ENVVARS):
    // each makes the C library load a module, read a file or change how it resolves names.
    exact: [
      'GCONV_PATH',
      'GETCONF_DIR',
      'GLIBC_TUNABLES',
      'HOSTALIASES',
      'LOCALDOMAIN',
      'LOCPATH',
      'NIS_PATH',
      'NLSPATH',
      'RESOLV_HOST_CONF',
      'RES_OPTIONS',
      'TZDIR',
    ],
    prefixes: [/^MALLOC_/],
    why: 'the C library reads it to load modules or files (glibc ignores it for setuid programs for that reason)',
  },
  {
    // Language runtimes' option and module-path variables: each one can name code to load
    // at start-up. Python's own variables are all PYTHON followed by a letter
    // (PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONINSPECT, PYTHONWARNINGS, which imports
    // modules, PYTHONBREAKPOINT…), so PYTHON_TOKEN stays free. The .NET runtime reads any
    // DOTNET_ or COMPlus_ variable as runtime configuration (DOTNET_STARTUP_HOOKS loads an
    // assembly), and COR_*/CORECLR_* attach a profiler DLL. GEM_HOST_API_KEY is a common
    // secret, so only GEM_HOME and GEM_PATH (where gems load from) are reserved.
    exact: [
      'NODE_OPTIONS',
      'NODE_PATH',
      'PERL5OPT',
      'PERL5LIB',
      'PERLLIB',
      'PERL5DB',
      'RUBYOPT',
      'RUBYLIB',
      'GEM_HOME',
      'GEM_PATH',
      'BUNDLE_GEMFILE',
      'JAVA_TOOL_OPTIONS',
      '_JAVA_OPTIONS',
      'JDK_JAVA_OPTIONS',
      'JAVA_OPTS',
      'MAVEN_OPTS',
      'GRADLE_OPTS',
      'CLASSPATH',
      'LUA_INIT',
      'LUA_PATH',
      'LUA_CPATH',
      'PHPRC',
      'PHP_INI_SCAN_DIR',
      'GOFLAGS',
      'GOENV',
      'RUSTC_WRAPPER',
      'RUSTC_WORKSPACE_WRAPPER',
    ],
    prefixes: [/^PYTHON[A-Z0-9]/, /^DOTNET_/, /^COMPLUS_/, /^COR_/, /^CORECLR_/],
    why: 'a language runtime reads it to decide what code to load or how to start',
  },
  {
    // git reads its whole configuration from GIT_CONFIG_* (GIT_CONFIG_COUNT/KEY_n/VALUE_n,
    // GIT_CONFIG_PARAMETERS, GIT_CONFIG_GLOBAL/SYSTEM), runs the programs these name, and
    // trusts or relocates repositories by these. GIT_TOKEN and the like are not git's and stay free.
    exact: [
      'GIT_EXEC_PATH',
      'GIT_PROXY_COMMAND',
      'GIT_SSH',
      'GIT_SSH_COMMAND',
      'GIT_SSH_VARIANT',
      'GIT_ASKPASS',
      'GIT_EXTERNAL_DIFF',
      'GIT_DIFF_OPTS',
      'GIT_PAGER',
      'GIT_EDITOR',
      'GIT_SEQUENCE_EDITOR',
      'GIT_TEMPLATE_DIR',
      'GIT_DIR',
      'GIT_WORK_TREE',
      'GIT_COMMON_DIR',
      'GIT_INDEX_FILE',
      'GIT_OBJECT_DIRECTORY',
      'GIT_ALTERNATE_OBJECT_DIRECTORIES',
      'GIT_CEILING_DIRECTORIES',
      'GIT_ALLOW_PROTOCOL',
      'GIT_PROTOCOL_FROM_USER',
      'GIT_SSL_NO_VERIFY',
      'GIT_SSL_CAINFO',
      'GIT_SSL_CAPATH',
      'SSH_ASKPASS',
      'SSH_ASKPASS_REQUIRE',
    ],
    prefixes: [/^GIT_CONFIG/, /^GIT_TRACE/],
    why: 'git or ssh reads it to configure itself or to choose a program to run',
  },
  {
    // Programs that tools start on the user's behalf: an editor, a pager, `less`'s input
    // preprocessor (a command line it runs on every file).
    exact: ['EDITOR', 'VISUAL', 'PAGER', 'MANPAGER', 'LESSOPEN', 'LESSCLOSE', 'BROWSER'],
    prefixes: [],
    why: 'tools run the program it names',
  },
  {
    // Which certificates TLS clients trust, or whether they check at all; OPENSSL_CONF can
    // also load an engine (a shared library).
    exact: [
      'SSL_CERT_FILE',
      'SSL_CERT_DIR',
      'CURL_CA_BUNDLE',
      'REQUESTS_CA_BUNDLE',
      'AWS_CA_BUNDLE',
      'NODE_EXTRA_CA_CERTS',
      'NODE_TLS_REJECT_UNAUTHORIZED',
      'OPENSSL_CONF',
      'OPENSSL_ENGINES',
      'OPENSSL_MODULES',
    ],
    prefixes: [],
    why: 'it changes which servers TLS clients trust',
  },
  {
    // Configuration files of cloud and cluster clients that name programs to run for
    // credentials: the AWS CLI and SDKs run a profile's `credential_process`, kubectl and
    // client-go a kubeconfig user's `exec` plugin, docker its `credsStore`/`credHelpers`.
    exact: ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'KUBECONFIG', 'DOCKER_CONFIG'],
    prefixes: [],
    why: 'a cloud or cluster client reads its configuration from it, including programs it runs for credentials',
  },
  {
    // Package managers' configuration files and options. npm reads every npm_config_*
    // variable as configuration (script-shell, node-options, registry…). pip's config file
    // is reserved; PIP_INDEX_URL / PIP_EXTRA_INDEX_URL are not: a private index URL with its
    // token is one of the ordinary secrets this action exports. HTTP(S)_PROXY and ALL_PROXY
    // are free for the same reason (a proxy URL with a password): a proxy sees only CONNECT
    // tunnels of https and does not change whom TLS trusts.
    exact: ['PIP_CONFIG_FILE', 'PIP_TRUSTED_HOST', 'PIP_CERT', 'PIP_FIND_LINKS'],
    prefixes: [/^NPM_CONFIG_/],
    why: 'a package manager reads it as configuration (what to install, from where, what to run)',
  },
];

/** Why a name is reserved, or undefined when it is free. Case-insensitive: Windows env is. */
export function reservedReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  for (const group of GROUPS) {
    if (group.exact.includes(upper)) return `${upper} is reserved: ${group.why}`;
    const prefix = group.prefixes.find((p) => p.test(upper));
    if (prefix) return prefixReason(prefix, group);
  }
  return undefined;
}

/**
 * A flatten prefix is reserved when every name it can produce would be; names that only
 * some keys produce are refused when the value is shaped.
 */
export function reservedPrefixReason(prefix: string): string | undefined {
  const upper = prefix.toUpperCase();
  for (const group of GROUPS) {
    const covering = group.prefixes.find((p) => p.test(upper));
    if (covering) return prefixReason(covering, group);
  }
  return undefined;
}

function prefixReason(prefix: RegExp, group: ReservedGroup): string {
  const head = prefix.source.replace(/^\^/, '').replace('[A-Z0-9]', ' and a letter or digit');
  return group === GROUPS[0]
    ? `names starting with ${head} are reserved for the runner`
    : `names starting with ${head} are reserved: ${group.why}`;
}

/** The variable-name form of one JSON key: upper-cased, anything outside [A-Z0-9_] as `_`. */
export function keyToName(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
