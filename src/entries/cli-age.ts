// dist/cli/age.cjs: the age implementation (the `age-encryption` package), a bundle of its
// own so that only a command that wraps or opens an age recipient loads it; the `run` and
// `store` bundles stay as small as they were (src/cli/age-identity.ts loads this).
export { Decrypter, Encrypter } from 'age-encryption';
