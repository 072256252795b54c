import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The Logger and Metrics a handler creates once at module load. Service name and namespace come
 * from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE. Metrics' "no metrics to publish"
 * notice is expected on requests that count nothing (reads), so it goes to debug, not warn.
 */
export function createObservability(): { logger: Logger; metrics: Metrics } {
  const logger = new Logger();
  const metrics = new Metrics({
    logger: {
      debug: (message: unknown) => logger.debug(String(message)),
      info: (message: unknown) => logger.info(String(message)),
      warn: (message: unknown) => logger.debug(String(message)),
      error: (message: unknown) => logger.error(String(message)),
    },
  });
  return { logger, metrics };
}
