// The CLI's settings: each from its `run` flag (`--vault-url`) or else its OIDC_SECRETS_*
// variable (the action input's name upper-cased, dashes as underscores), and the CLI's
// own words for them in messages ("--vault-url (OIDC_SECRETS_VAULT_URL)").
import { ActionError } from '../core/errors.js';
import {
  readSettings,
  wordSettings,
  type FrontEndFacts,
  type SettingKey,
  type SettingWords,
  type Settings,
} from '../core/settings.js';
import { SETTING_INPUTS } from '../github/inputs.js';
import { resolveStoreLocation } from '../store/location.js';
import type { OptionSpec } from './args.js';
import { inClusterRoute } from '../github/k8s-in-cluster.js';
import { kubeconfigRoute } from './kubeconfig-route.js';
import { AGE_HINT, loadAge, readAgeIdentities } from './age-identity.js';
import { laptopDefault, usesPersonalLogin } from './laptop/identities.js';

/** The store's own flags of `run`: -f/--file and --key-file. */
const STORE_FLAGS: Partial<Record<SettingKey, string>> = {
  'local.storePath': 'file',
  'local.storeKey': 'key-file',
};

/** Settings `run` takes as flags besides their variables: the providers' own. */
const FLAG_SETTINGS = (Object.keys(SETTING_INPUTS) as SettingKey[]).filter(
  (key) => /^(vault|aws|gcp|azure|k8s)\./.test(key) && key !== 'aws.exportCredentials',
);

/** `--vault-url` for vault.url; undefined for a setting `run` takes only as a variable. */
export function settingFlag(key: SettingKey): string | undefined {
  const store = STORE_FLAGS[key];
  if (store) return store;
  return FLAG_SETTINGS.includes(key) ? SETTING_INPUTS[key] : undefined;
}

export function settingVariable(key: SettingKey): string {
  if (key === 'local.storePath') return 'OIDC_SECRETS_STORE';
  return `OIDC_SECRETS_${SETTING_INPUTS[key].toUpperCase().replace(/-/g, '_')}`;
}

function cliName(key: SettingKey): string {
  const flag = settingFlag(key);
  return flag ? `--${flag} (${settingVariable(key)})` : settingVariable(key);
}

export const CLI_WORDS: SettingWords = { noun: cliName, label: cliName };

/** The provider settings' flags, for `run`'s option list. */
export const SETTING_OPTIONS: OptionSpec[] = FLAG_SETTINGS.map((key) => ({
  name: SETTING_INPUTS[key],
  value: 'VALUE',
  description: `sets ${settingVariable(key)}`,
}));

/**
 * The settings of a `run`: flags first, then OIDC_SECRETS_* variables. The store path and
 * key file given here are absolute already; the store defaults ($OIDC_SECRETS_STORE,
 * $OIDC_SECRETS_KEY_FILE, ./secrets.json.enc) are the store commands' own.
 */
export function readCliSettings(
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): Settings {
  const personal = usesPersonalLogin(env);
  const read = (key: SettingKey): string => {
    const flag = settingFlag(key);
    const given = flag ? flags.get(flag) : undefined;
    if (given !== undefined) return given;
    if (key === 'local.storePath') return '';
    if (key === 'local.storeKey') return env.OIDC_SECRETS_STORE_KEY ?? '';
    const variable = env[settingVariable(key)];
    if (variable) return variable;
    // Outside a job that can mint OIDC tokens: what the vault and aws CLIs are configured with.
    return (personal ? laptopDefault(key, env) : undefined) ?? variable ?? '';
  };
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const facts: FrontEndFacts = {
    workspace,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    awsRegionFallback: env.AWS_REGION || env.AWS_DEFAULT_REGION || '',
    env: { lookup: (name) => env[name] },
    storeLocation: (file, keyFile) => resolveStoreLocation({ file, keyFile, env, cwd: workspace }),
    // After k8s-server: a runner pod's own cluster, then the kubeconfig's current context.
    k8sAmbient: (requireOidc) =>
      inClusterRoute(env, requireOidc) ?? kubeconfigRoute({ env, requireOidc }),
    // A keyless store's age recipients open with the person's identity (SPEC §3.1).
    ageIdentities: { identities: readAgeIdentities([], env), hint: AGE_HINT, load: loadAge },
  };
  try {
    return readSettings(read, facts);
  } catch (error) {
    if (error instanceof ActionError)
      throw new ActionError(error.code, wordSettings(error.message, CLI_WORDS), error.line);
    throw error;
  }
}
