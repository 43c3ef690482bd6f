// Worker bootstrap: workers do not inherit tsx from the test runner, so register it here, then load the
// TypeScript module the parent named.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
