/** The outcome of one HTTP attempt: a status code, or the network error / timeout that prevented one. */
export type WebhookAttempt =
  | { kind: 'response'; status: number }
  | { kind: 'network_error'; message: string };

export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<WebhookAttempt> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'Wink-Webhook/1', ...headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'response', status: response.status };
  } catch (error) {
    // fetch wraps the reason: a system error code (ECONNREFUSED …) or undici's own (e.g. "bad port").
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const message = (error as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : cause?.code ?? cause?.message ?? (error as Error).message;
    return { kind: 'network_error', message };
  }
}
