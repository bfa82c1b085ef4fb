// The providers' logger on the runner: plain log lines, warnings as annotations, and any
// setting a message names worded as the action's input.
import { wordSettings } from '../core/settings.js';
import type { Logger } from '../providers/types.js';
import { annotate, debug, info } from './commands.js';
import { ACTION_WORDS } from './inputs.js';

const worded = (message: string) => wordSettings(message, ACTION_WORDS);

export const runnerLogger: Logger = {
  info: (message) => info(worded(message)),
  warning: (message) => annotate('warning', worded(message)),
  debug: (message) => debug(worded(message)),
  notice: (message) => annotate('notice', worded(message)),
};
