/** A tiny client for the Wink HTTP API, as an agent would use it. */
export function apiClient(baseUrl: string, apiKey: string) {
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  return {
    request,
    createSession: (body: unknown) => request('POST', '/v1/sessions', body),
    postSteps: (sessionId: string, body: unknown) => request('POST', `/v1/sessions/${sessionId}/steps`, body),
    getSession: (sessionId: string) => request('GET', `/v1/sessions/${sessionId}`),
    getInterventions: (sessionId: string) => request('GET', `/v1/sessions/${sessionId}/interventions`),
  };
}
