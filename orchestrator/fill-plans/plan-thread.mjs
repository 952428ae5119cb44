// Entry of a planning worker thread: the sources are TypeScript, run through tsx as the CLI does.
import { register } from 'tsx/esm/api';

register();
await import('./plan-thread.ts');
