/** STRATA_VERSION is the version `strata version` and the engine report (kept apart so printing it loads no engine). */
export const STRATA_VERSION = '0.1.0';
