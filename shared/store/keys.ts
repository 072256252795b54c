/**
 * Single-table key design (partition key `pk`, sort key `sk`, both strings):
 *
 *   pk                     sk                          item
 *   SESSION#<sessionId>    SESSION                     session: task, policy, webhook, detection state, version
 *   SESSION#<sessionId>    STEPCOUNT                   how many steps are stored (kept in the same transactions)
 *   SESSION#<sessionId>    STEP#<index, 16 digits>     one step as received, with its fingerprint
 *   SESSION#<sessionId>    VERDICT#<index>#<subtype>   one detector verdict
 *   SESSION#<sessionId>    EPISODE#<episodeId>         one misbehavior episode (open/closed, outcome)
 *   SESSION#<sessionId>    INTERVENTION#<episodeId>    the intervention, written once (attribute_not_exists)
 *   SESSION#<sessionId>    HOOKSTEP#<event>#<toolUseId> the step index a Claude Code hook event was given (retries reuse it)
 *   APIKEY#<sha256 of key> APIKEY                      an API key, stored only as its hash (name, tenant?, createdAt, revokedAt?)
 *   APIKEYS                APIKEY#<sha256 of key>      the same key's entry in the directory `wink keys list` queries
 *   SESSION#<sessionId>    STEPCOUNT (deletedAt)       after DELETE: the tombstone that makes in-flight step writes fail
 *   RATELIMIT#<scope>#<id> WINDOW#<epoch seconds>      a fixed-window request counter (shared/limits), TTL'd
 *   CLAUDECODE#<key hash>#<Claude Code session_id>  CLAUDECODE  the Wink session it maps to, the next step index, Stop state
 *   IDEMPOTENCY#<sha256>   IDEMPOTENCY                 an Idempotency-Key of POST /v1/sessions (24 h): session id + request hash
 *
 * Everything about a session shares one partition, so reading it is a Query and deleting it is a
 * TTL sweep (`expiresAt`, epoch seconds). Zero-padded indexes make STEP# items sort in index order.
 */
export const SESSION_SK = 'SESSION';
/** Its own item, so step writes never contend with the detector's saves of the session item. */
export const STEP_COUNT_SK = 'STEPCOUNT';
export const API_KEY_SK = 'APIKEY';
export const IDEMPOTENCY_SK = 'IDEMPOTENCY';

export const sessionPk = (sessionId: string) => `SESSION#${sessionId}`;
export const apiKeyPk = (keyHash: string) => `APIKEY#${keyHash}`;
export const API_KEY_DIRECTORY_PK = 'APIKEYS';
export const apiKeyDirectorySk = (keyHash: string) => `APIKEY#${keyHash}`;
export const rateLimitPk = (scope: string, id: string) => `RATELIMIT#${scope}#${id}`;
export const rateLimitSk = (windowStartSeconds: number) => `WINDOW#${windowStartSeconds}`;
/** `keyHash`: SHA-256 of the owner's key hash and the client's Idempotency-Key, so keys are per API key. */
export const idempotencyPk = (keyHash: string) => `IDEMPOTENCY#${keyHash}`;
export const padIndex = (index: number) => String(index).padStart(16, '0');
export const stepSk = (index: number) => `STEP#${padIndex(index)}`;
export const verdictSk = (stepIndex: number, subtype: string) => `VERDICT#${padIndex(stepIndex)}#${subtype}`;
export const episodeSk = (episodeId: string) => `EPISODE#${episodeId}`;
export const interventionSk = (episodeId: string) => `INTERVENTION#${episodeId}`;
export const hookStepSk = (event: string, toolUseId: string) => `HOOKSTEP#${event}#${toolUseId}`;
export const CLAUDE_CODE_SK = 'CLAUDECODE';
export const claudeCodePk = (ownerKeyHash: string, claudeSessionId: string) => `CLAUDECODE#${ownerKeyHash}#${claudeSessionId}`;

export const PREFIX = {
  step: 'STEP#',
  verdict: 'VERDICT#',
  episode: 'EPISODE#',
  intervention: 'INTERVENTION#',
} as const;
