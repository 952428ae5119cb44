// Entry of the planning helper process: the sources are TypeScript, run through tsx as the CLI does.
import { register } from 'tsx/esm/api';

register();
await import('./plan-child.ts');
