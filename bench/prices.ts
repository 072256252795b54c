/**
 * AWS list prices used by `npm run bench` to price counted usage: us-east-1, on-demand, no free
 * tier. Written down on 2026-12-01 from the public pricing pages named below, as last published
 * there (DynamoDB's on-demand prices are those after the November 2024 reduction). Check the pages
 * before quoting a figure; change a price here and every figure follows.
 */
export const PRICES_AS_OF = '2026-12-01';
export const PRICE_REGION = 'us-east-1';

export const PRICES = {
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ — per write / read request unit. */
  dynamoDbWriteRequestUnit: 0.625 / 1e6,
  dynamoDbReadRequestUnit: 0.125 / 1e6,
  /** https://aws.amazon.com/sqs/pricing/ — standard queue, per request (each 64 KB chunk is one). */
  sqsRequest: 0.4 / 1e6,
  /** https://aws.amazon.com/lambda/pricing/ — arm64, first 7.5 billion GB-seconds a month. */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** https://aws.amazon.com/api-gateway/pricing/ — HTTP API, first 300 million requests a month, per 512 KB. */
  httpApiRequest: 1.0 / 1e6,
} as const;

/**
 * The judge's model price is a parameter (`--llm-input-price` / `--llm-output-price`, dollars per
 * 1M tokens). The default is a small hosted model's list price (OpenAI gpt-4o-mini,
 * https://openai.com/api/pricing/): $0.15 input, $0.60 output per 1M tokens.
 */
export const DEFAULT_LLM_PRICE = { inputPerMillionTokens: 0.15, outputPerMillionTokens: 0.6, model: 'gpt-4o-mini (list price)' } as const;

/** Not priced here: they do not grow with steps, or are off by default. */
export const NOT_PRICED = [
  'CloudWatch Logs ingestion (WARN level by default; $0.50/GB)',
  'X-Ray traces (sampled: 1/s + 5%; $5 per 1M traces recorded)',
  'DynamoDB storage ($0.25/GB-month; steps expire by TTL) and idle SQS long-polls by the event source mappings (per queue, not per step)',
  'data transfer out, Secrets Manager (judge key, cached per container)',
] as const;
