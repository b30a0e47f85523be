import type { Command } from '../command.js';
import { clearCommand } from './clear.js';
import { copyCommand } from './copy.js';
import { deleteCommand } from './delete.js';
import { getCommand } from './get.js';
import { keysCommand } from './keys.js';
import { purgeCommand } from './purge.js';
import { statsCommand } from './stats.js';
import { verifyCommand } from './verify.js';
import { watchCommand } from './watch.js';

/** In the order `fastmmap --help` lists them: read commands first, copy (a new file) last. */
export const commands: readonly Command[] = [
  statsCommand,
  keysCommand,
  getCommand,
  watchCommand,
  verifyCommand,
  deleteCommand,
  purgeCommand,
  clearCommand,
  copyCommand,
];
