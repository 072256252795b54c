import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ApiError } from '../api/apiError.ts';

interface ErrorLogger {
  error(message: string, ...extra: unknown[]): void;
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * Turns an ApiError into its 4xx JSON answer; anything else is logged and answered with a generic
 * 500, so raw errors (stack traces, AWS messages) are never serialised to clients.
 */
export function httpErrorHandler(options: { logger: ErrorLogger }): MiddlewareObj {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof ApiError) {
        request.response = jsonResponse(error.statusCode, error.toBody(), error.headers);
        return;
      }
      options.logger.error('Unhandled error in API request', { error });
      request.response = jsonResponse(500, {
        // Not "retry it": a request that hit a server fault may fail again the same way, and a retried
        // POST /v1/sessions may create a second session.
        error: { code: 'internal_error', message: 'Internal error; it has been logged. The request may or may not have taken effect, and may fail again if retried.' },
      });
    },
  };
}
