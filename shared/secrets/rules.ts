/**
 * The credential shapes Wink recognises, each with the kind its `[REDACTED:<kind>]` marker names.
 * Every pattern runs on text an agent controls, so its cost must stay linear in the text's length
 * whatever the text is: each one starts at a literal prefix or at the start of a run (a
 * lookbehind), and every quantifier that could scan far from many starting points is bounded.
 * test/secrets/scrubber.test.ts checks each kind, and near-misses that must stay as they are.
 */

export interface SecretRule {
  /** Named in the marker: `[REDACTED:<kind>]`. */
  kind: string;
  /**
   * Global. When it has a first capture group that the match starts with, that group is kept
   * (a `Bearer ` or `postgres://user:` before the secret) and only the rest is replaced.
   */
  pattern: RegExp;
}

/** Longest key name ("db_password", "OPENAI_API_KEY") recognised in `key = value`. */
export const MAX_KEY_CHARS = 64;
/** Longest quoted value redacted as one ("password: \"correct horse battery\""). */
export const MAX_QUOTED_VALUE_CHARS = 1024;

const PRIVATE_KEY_END = /-----END [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;

/** Token-shaped secrets, most specific first: the first rule to claim a secret names its kind. */
export const TOKEN_RULES: readonly SecretRule[] = [
  // An unterminated block (a cut or truncated output) is redacted to the end of the text.
  { kind: 'private_key', pattern: new RegExp(`-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:${PRIVATE_KEY_END.source}|$)`, 'g') },
  // Only at the start of a token run: "-eyJ-eyJ-eyJ…" must not restart a scan at every "eyJ".
  { kind: 'jwt', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g },
  { kind: 'anthropic_key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}\b/g },
  { kind: 'openai_key', pattern: /\bsk-[A-Za-z0-9_-]{16,}\b/g },
  { kind: 'stripe_key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'api_key', pattern: /\b(?:pk|rk)-[A-Za-z0-9_-]{16,}\b/g },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[0-9A-Z]{16}\b/g },
  { kind: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g },
  { kind: 'github_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g },
  { kind: 'slack_token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'slack_webhook', pattern: /(https:\/\/hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]{8,}/g },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{30,}\b/g },
  { kind: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{30,}\b/g },
  // 16+ characters: "Bearer authentication" in prose is not a token.
  { kind: 'bearer_token', pattern: /(\b[Bb]earer[ \t]{1,16})[A-Za-z0-9._~+/=-]{16,}/g },
  { kind: 'basic_auth', pattern: /(\bAuthorization["']?[ \t]{0,16}[:=][ \t]{0,16}["']?Basic[ \t]{1,16})[A-Za-z0-9+/]{4,}={0,2}/gi },
  { kind: 'password_pair', pattern: /(--(?:password|passwd)[= ])(?:"[^"\n]{0,1024}"|'[^'\n]{0,1024}'|[^\s"'`]+)/gi },
  { kind: 'secret_pair', pattern: /(--(?:token|api-key|secret|client-secret)[= ])(?:"[^"\n]{0,1024}"|'[^'\n]{0,1024}'|[^\s"'`]+)/gi },
  // The password of `scheme://user:password@host`, from the start of the scheme's run.
  { kind: 'connection_string', pattern: /((?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{0,256}:)[^\s@/]{1,256}(?=@)/gi },
];

/**
 * The tail of a key whose start was cut off (a clipped text): everything up to its end line. Only
 * for text Wink clipped itself (guidance quotes, judge prompts): in a whole step an END line with
 * no BEGIN is quoted code, not a key.
 */
export const CLIPPED_PRIVATE_KEY_RULE: SecretRule = { kind: 'private_key', pattern: new RegExp(`^[\\s\\S]*?${PRIVATE_KEY_END.source}`, 'g') };

/**
 * `key = value` / `"key": value`. The key is matched only from the start of its run and at most
 * MAX_KEY_CHARS long; whether it names a credential is decided on the match (credentialKind), not
 * by backtracking through the run looking for "password" at every position.
 */
export const KEY_ASSIGNMENT = new RegExp(`(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{1,${MAX_KEY_CHARS}})(["']?[ \\t]{0,16}[=:][ \\t]{0,16})`, 'g');

/**
 * The value after a credential key: an optional auth scheme (kept), then a quoted string (escapes
 * allowed; the quotes are kept so JSON stays JSON) or a bare word up to a space or quote.
 */
export const ASSIGNED_VALUE = new RegExp(
  `((?:Bearer|Basic|Token|Digest|Bot)[ \\t]{1,16}|)(?:"((?:[^"\\\\\\n]|\\\\.){0,${MAX_QUOTED_VALUE_CHARS}})"|'((?:[^'\\\\\\n]|\\\\.){0,${MAX_QUOTED_VALUE_CHARS}})'|([^\\s"'\`&]+))`,
  'y',
);

/**
 * Bare values that are not secrets but stand for one: null-ish words, type names (`token: str`),
 * variable references (`$DB_PASSWORD`, `${{ secrets.X }}`, `process.env.X`) and calls (`getpass()`).
 * Code text says `password = os.environ["PGPASSWORD"]` all the time; it holds no secret.
 */
const PLACEHOLDER_VALUE = new RegExp(`^(?:${[
  // `f(password: str, token: int)`: a type name, perhaps closing the parameter list.
  '(?:null|nil|none|undefined|true|false|str|string|int|number|bool|boolean|bytes|any)[,;)\\]}>]{0,4}',
  'optional\\b.{0,64}',
  // $DB_PASSWORD, ${DB_PASSWORD:-x}, $_POST['password'], ${{ secrets.X }}, %PASSWORD%
  '\\$\\{?[A-Za-z_][\\w.:-]{0,128}\\}?(?:\\[.{0,128})?',
  '\\$\\{\\{.{0,256}',
  '%[A-Za-z_]\\w{0,64}%',
  '\\{\\{.{0,256}',
  '<[^>]{0,64}>?',
  '(?:process\\.env|os\\.environ|env)\\b.{0,256}',
  '[A-Za-z_$][\\w$.]{0,128}\\(.{0,256}',
  '\\*{3,}.{0,64}',
].join('|')})$`, 'i');

export function isPlaceholderValue(value: string): boolean {
  return value.length === 0 || PLACEHOLDER_VALUE.test(value);
}

/** The words a key is made of: `dbPassword` → db, password; `AWS_SECRET_ACCESS_KEY` → aws, secret, access, key. */
function keyWords(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

// Not `pwd` or `pass`: PWD=/work/repo is a path, `pass: 5` a test count.
const PASSWORD_WORDS = new Set(['password', 'passwd', 'passphrase']);
const SECRET_WORDS = new Set(['secret', 'token', 'credential', 'credentials', 'apikey', 'accesskey', 'privatekey', 'secretkey']);
const KEY_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'client secret', 'session token', 'auth token', 'access token']);

/** Every credential key holds one of these: most keys (`name`, `path`) are ruled out without splitting them. */
const MAYBE_CREDENTIAL_KEY = /pass|secret|token|key|credential|auth/i;
/** JSON repeats its keys: each distinct key is split into words once (bounded, so it cannot grow without end). */
const kindByKey = new Map<string, string | null>();
const MAX_CACHED_KEYS = 4096;

/**
 * The kind of secret a key names (`db_password` → password_pair), or undefined when it names none.
 * Whole words only: `max_tokens`, `tokenizer` and `secrets_dir` name no credential.
 */
export function credentialKind(key: string): string | undefined {
  if (!MAYBE_CREDENTIAL_KEY.test(key)) return undefined;
  const cached = kindByKey.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const kind = kindOfWords(keyWords(key));
  if (kindByKey.size >= MAX_CACHED_KEYS) kindByKey.clear();
  kindByKey.set(key, kind ?? null);
  return kind;
}

/** `password_file`, `token_url`, `secret_name`, `max_token_count`: about a secret, not one (and paths must stay paths). */
const NOT_A_SECRET_LAST_WORD = new Set(['type', 'count', 'limit', 'length', 'len', 'url', 'uri', 'file', 'path', 'dir', 'name', 'id', 'ids', 'expires', 'expiry', 'ttl', 'env', 'var', 'field', 'prompt', 'policy', 'endpoint', 'usage', 'budget', 'size']);

function kindOfWords(words: readonly string[]): string | undefined {
  if (words.length === 0 || NOT_A_SECRET_LAST_WORD.has(words[words.length - 1]!)) return undefined;
  const pairs = words.slice(1).map((word, i) => `${words[i]} ${word}`);
  if (words.includes('aws') && words.includes('secret')) return 'aws_secret_key';
  if (pairs.includes('secret access')) return 'aws_secret_key';
  if (words.some((word) => PASSWORD_WORDS.has(word))) return 'password_pair';
  if (words.includes('apikey') || pairs.includes('api key')) return 'api_key';
  if (words.includes('authorization')) return 'authorization_header';
  if (words.some((word) => SECRET_WORDS.has(word)) || pairs.some((pair) => KEY_PAIRS.has(pair))) return 'secret_pair';
  return undefined;
}
