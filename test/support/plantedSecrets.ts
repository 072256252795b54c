/**
 * Real-looking secrets in the well-known fake shapes vendors publish for documentation (AWS's
 * AKIAIOSFODNN7EXAMPLE, jwt.io's sample token, Stripe's test key …) or made up in the same
 * shape, each inside the text an agent would really see it in. `secret` is what must never leave
 * Wink; `kind` is the marker it must become.
 */
export interface PlantedSecret {
  kind: string;
  secret: string;
  /** Where the secret sits: a command, a tool output, a config file. */
  text: string;
}

const PRIVATE_KEY_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQABAoIBACiARq2wkltjtcjskFvZ7w1JAORHbEufEO1Eu27zOIlqbgyAcAl7q+';

export const PLANTED_SECRETS: readonly PlantedSecret[] = [
  { kind: 'aws_access_key', secret: 'AKIAIOSFODNN7EXAMPLE', text: 'aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE' },
  { kind: 'aws_secret_key', secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', text: 'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\naws s3 ls' },
  { kind: 'aws_secret_key', secret: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', text: '{\n  "Credentials": {\n    "AccessKeyId": "ASIAY34FZKBOKMUTVV7A",\n    "SecretAccessKey": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"\n  }\n}' },
  { kind: 'aws_access_key', secret: 'ASIAY34FZKBOKMUTVV7A', text: 'An error occurred (ExpiredToken) for access key ASIAY34FZKBOKMUTVV7A' },
  { kind: 'github_token', secret: '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', text: 'git remote set-url origin https://x-access-token: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@github.com/acme/app.git' },
  { kind: 'github_token', secret: 'github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234', text: 'GH_TOKEN=github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234 gh pr create' },
  { kind: 'openai_key', secret: 'sk-proj-Ab3dEf0123456789GhIjKlMnOpQrStUvWxYz9876', text: 'openai.AuthenticationError: Incorrect API key provided: sk-proj-Ab3dEf0123456789GhIjKlMnOpQrStUvWxYz9876.' },
  { kind: 'anthropic_key', secret: 'sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE-dCbA_9876543210zyxwvu', text: 'ANTHROPIC_API_KEY="sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE-dCbA_9876543210zyxwvu" python agent.py' },
  { kind: 'slack_token', secret: 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', text: 'SLACK_BOT_TOKEN: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx' },
  { kind: 'slack_webhook', secret: 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', text: 'curl -X POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX -d \'{"text":"deployed"}\'' },
  { kind: 'private_key', secret: PRIVATE_KEY_BODY, text: `$ cat deploy/id_rsa\n-----BEGIN RSA PRIVATE KEY-----\n${PRIVATE_KEY_BODY}\n-----END RSA PRIVATE KEY-----\n$ ls` },
  { kind: 'jwt', secret: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', text: 'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c" https://api.example.com/me' },
  { kind: 'password_pair', secret: 'Tr0ub4dor&3-horse', text: 'DB_PASSWORD="Tr0ub4dor&3-horse"\nDB_HOST=db.internal' },
  { kind: 'password_pair', secret: 'S3cr3t-Mysql-Pa55', text: 'mysql -u root --password=S3cr3t-Mysql-Pa55 app < dump.sql' },
  { kind: 'connection_string', secret: 'pg-Secr3t-pass', text: 'DATABASE_URL=postgres://admin:pg-Secr3t-pass@db.internal:5432/app' },
  { kind: 'connection_string', secret: 'r3d1s-pa55w0rd', text: 'redis-cli -u redis://:r3d1s-pa55w0rd@cache.internal:6379/0 ping' },
  { kind: 'bearer_token', secret: '9f8e7d6c5b4a39281706f5e4d3c2b1a0zz', text: 'curl -sS -H "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0zz" https://api.example.com/v2/items' },
  { kind: 'basic_auth', secret: 'YWRtaW46c3VwZXJzZWNyZXQxMjM=', text: 'GET /admin HTTP/1.1\nHost: intranet\nAuthorization: Basic YWRtaW46c3VwZXJzZWNyZXQxMjM=' },
  { kind: 'api_key', secret: 'live_4f3c2b1a0987654321fedcba', text: 'curl -H "X-Api-Key: live_4f3c2b1a0987654321fedcba" https://api.weather.example/v1/today' },
  { kind: 'stripe_key', secret: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', text: 'stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"' },
  { kind: 'google_api_key', secret: 'AIzaSyA-1234567890abcdefghijklmnopqrs', text: 'https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key=AIzaSyA-1234567890abcdefghijklmnopqrs' },
  { kind: 'npm_token', secret: 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', text: '//registry.npmjs.org/:_authToken=npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' },
  { kind: 'secret_pair', secret: 'cs-9d8c7b6a5f4e3d2c1b0a', text: '{"client_id": "wink-app", "client_secret": "cs-9d8c7b6a5f4e3d2c1b0a"}' },
];

/** Text that looks random or names credentials but holds none: it must come out as it went in. */
export const NEAR_MISSES: readonly string[] = [
  'commit 3f786850e387550fdab836ed7e6dc881de23001b\nAuthor: Dev <dev@example.com>',
  'git checkout 3f78685 && git log --oneline -3',
  'sha256sum dist.tar.gz\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  dist.tar.gz',
  'docker pull python@sha256:2d0d5f1d0c5f8b9a4d1e8f0c7a6b5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f',
  'request_id=123e4567-e89b-12d3-a456-426614174000 status=200',
  'sed -n 1,40p /home/user/project/src/tokens/tokenizer.py',
  'vim src/auth/password_reset.ts tests/test_secret_rotation.py',
  'max_tokens = 1024\ntokenizer = AutoTokenizer.from_pretrained("gpt2")',
  'def check_password(password: str) -> bool:\n    return bcrypt.checkpw(password.encode(), stored)',
  'password = os.environ["DB_PASSWORD"]\napi_key = os.getenv("OPENAI_API_KEY")',
  'const apiKey = process.env.OPENAI_API_KEY;',
  'PWD=/work/repo\nOLDPWD=/work',
  'password_file=/run/secrets/db_password token_url=https://auth.example.com/oauth/token',
  'pip install scikit-learn && python -m sk-learn-demo',
  'Bearer authentication is configured in settings.py',
  'git clone git@github.com:acme/app.git && curl https://user@example.com/path',
  'pytest tests/test_auth.py::test_token_refresh PASSED [ 50%]',
  'npm install @aws-sdk/client-s3 @types/node',
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'echo "token: ${{ secrets.GITHUB_TOKEN }}" && export PGPASSWORD=$DB_PASSWORD',
  '{"usage": {"prompt_tokens": 900, "completion_tokens": 100, "total_tokens": 1000}}',
  'ERROR: Invalid token at line 3 column 7',
];
