import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { builtInScrubber, type SecretScrubber } from './secrets/scrubber.ts';

/**
 * The Logger and Metrics a handler creates once at module load. Service name and namespace come
 * from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE. Metrics' "no metrics to publish"
 * notice is expected on requests that count nothing (reads), so it goes to debug, not warn.
 * Every string a log line carries (messages, error messages and stacks, attributes) is scrubbed
 * as it is serialised: an error quoting a step must not put its secrets in CloudWatch.
 */
export function createObservability(scrubber: SecretScrubber = builtInScrubber): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ jsonReplacerFn: scrubbingReplacer(scrubber) });
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

/** A JSON.stringify replacer that hides secrets in every string value. */
export function scrubbingReplacer(scrubber: SecretScrubber): (key: string, value: unknown) => unknown {
  return (_key, value) => (typeof value === 'string' ? scrubber.scrubText(value) : value);
}
