// node's own modules loaded where they are first needed rather than at import, for the ones
// whose loading is a measurable part of a start-up that often never uses them (each use says
// which). The CLI's CommonJS bundles get import.meta.url from their banner (scripts/build.mjs).
import { createRequire } from 'node:module';

export const nodeRequire = createRequire(import.meta.url);
