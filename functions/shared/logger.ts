import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger for every function; the level comes from LOG_LEVEL. */
export const logger = new Logger({ serviceName: 'tailor' });
