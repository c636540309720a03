// Development helper: the e2e environment (populated SQLite, simulators, espelho serve), kept running.
import { ADMIN, startEnvironment } from './env.mjs';

const env = await startEnvironment();
console.log(`Open ${env.baseUrl}  (login ${ADMIN.email} / ${ADMIN.password}); simulators at ${env.simUrl}. Ctrl-C stops.`);
setInterval(() => {}, 1 << 30);
