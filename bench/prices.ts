/**
 * AWS list prices used by `npm run bench` to price counted usage: us-east-1, on-demand, the first
 * (smallest-volume) tier, no free tier. Each constant names the AWS page it is AWS's price on, and
 * the dated public text it was checked against on 2026-12-01 (the AWS pages render their tables in
 * the browser; the stored copies hold the prose, so each figure is confirmed by a dated secondary
 * source quoting the page). Change a price here and every figure follows.
 */
export const PRICES_AS_OF = '2026-12-01';
export const PRICE_REGION = 'us-east-1';

export const PRICES = {
  /**
   * https://aws.amazon.com/dynamodb/pricing/on-demand/ — per write / read request unit, after the
   * 50% on-demand cut effective 2024-11-01 (before it: $1.25 and $0.25 per million). Checked against
   * airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21: "$0.625 per million write
   * request units", "$0.125 per million read request units", US East) and jusdb.com's DynamoDB
   * cost guide (2025-08-19: the cut, effective 2024-11-01). A transactional write is 2 WRU per KB.
   */
  dynamoDbWriteRequestUnit: 0.625 / 1e6,
  dynamoDbReadRequestUnit: 0.125 / 1e6,
  /**
   * https://aws.amazon.com/sqs/pricing/ — per request, first 100 billion a month; every 64 KB chunk
   * of a payload is one request. Standard $0.40 and FIFO $0.50 per million: cloudburn.io "Amazon SQS
   * pricing" (2026-03-14, US East) and factualminds.com (2026-06-13, us-east-1). The steps queue is
   * FIFO; the notification and step-timer queues are standard.
   */
  sqsRequest: 0.4 / 1e6,
  sqsFifoRequest: 0.5 / 1e6,
  /**
   * https://aws.amazon.com/lambda/pricing/ — arm64, first 7.5 billion GB-seconds a month
   * ($0.0000133334; x86 is $0.0000166667), and $0.20 per million requests for both architectures.
   * Checked against cloudchipr.com "AWS Lambda pricing" (2024, US East, the tiered table) and the
   * same figures in a 2026 Lambda cost note (git.mcrn.ar lambda_local_runner, lambda-13-cost.md).
   */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /**
   * https://aws.amazon.com/api-gateway/pricing/ — HTTP API, first 300 million requests a month,
   * metered per 512 KB (AWS whitepaper "Best practices for API Gateway private APIs", cost
   * optimization table). $1.00 per million: awsforengineers.com (2025-05-19) and apigatewaycost.com
   * (HTTP API $1.00, next 700 M $0.90, over 1 B $0.80).
   */
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
  'CloudWatch Logs ingestion (WARN level by default; $0.50/GB in us-east-1, https://aws.amazon.com/cloudwatch/pricing/)',
  'X-Ray traces (sampled: 1/s + 5%; $5 per 1M traces recorded)',
  'DynamoDB storage ($0.25/GB-month; steps expire by TTL) and idle SQS long-polls by the event source mappings (per queue, not per step)',
  'data transfer out, Secrets Manager (judge key, cached per container)',
] as const;
