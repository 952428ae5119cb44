import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.ts';

// Registered before the file's own hooks, so it runs after them (vitest runs after-hooks as a
// stack): the stacks and servers using the directories are closed by then.
afterAll(removeTempDirs);
