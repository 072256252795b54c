import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { acknowledgeNagFinding } from '../nag.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';

export const POWERTOOLS_SERVICE_NAME = 'wink';
export const METRICS_NAMESPACE = 'Wink';

/** Environment variable names that would carry a secret's value; only its ARN may be passed. */
const SECRET_VALUE_VARIABLES: readonly string[] = [ENV.llmApiKey];

/**
 * ESM output: handlers may use top-level await (e.g. to fetch a secret during init, which Lambda
 * does not bill at cold start), imports stay static, and Node 22 runs it natively. The one known
 * trap is a bundled CommonJS dependency that calls `require` for a Node built-in: esbuild's ESM
 * output throws "Dynamic require of ... is not supported" there. Today's handlers need no such call;
 * the banner gives the bundle a real `require` so a future dependency cannot break at cold start.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __winkCreateRequire } from 'node:module'; const require = __winkCreateRequire(import.meta.url);";

export interface WinkFunctionProps {
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Function-specific variables; the Powertools and source-map variables are added here. @default {} */
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Directory holding package-lock.json and every source esbuild may read. @default the repository root */
  readonly projectRoot?: string;
}

/**
 * A Wink Lambda function with the project's fixed defaults: Node.js 22 on arm64, bundled locally
 * by esbuild (no Docker) as minified ESM with source maps, AWS SDK v3 left to the runtime, X-Ray
 * tracing, and its own log group with a retention period. The role starts empty apart from log
 * writing to that one group; constructs add access with `grant*` calls on `fn`.
 */
export class WinkFunction extends Construct {
  public readonly fn: NodejsFunction;
  public readonly logGroup: LogGroup;
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: WinkFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 256;
    const timeout = props.timeout ?? Duration.seconds(30);
    validate(props, memorySize, timeout);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: logs go to one group, not `*`.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      // Explicit, so bundling does not depend on the directory `cdk` was started from.
      projectRoot: props.projectRoot ?? PROJECT_ROOT,
      depsLockFilePath: join(props.projectRoot ?? PROJECT_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: ['@aws-sdk/*'],
      },
    });

    acknowledgeNagFinding(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords on "*": these actions have no resource-level permissions.',
    );
    acknowledgeNagFinding(
      this.fn,
      'AwsSolutions-L1',
      'Pinned to Node.js 22, the newest runtime the handlers are built and tested for (they also run on Node 20 locally); a newer runtime is a deliberate, tested change.',
    );
  }
}

function validate(props: WinkFunctionProps, memorySize: number, timeout: Duration): void {
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
    throw new Error(`memorySize must be an integer between 128 and 10240 MB, got ${memorySize}`);
  }
  if (!timeout.isUnresolved() && (timeout.toSeconds() < 1 || timeout.toSeconds() > 900)) {
    throw new Error(`timeout must be between 1 and 900 seconds, got ${timeout.toSeconds()}`);
  }
  const secretVariable = Object.keys(props.environment ?? {}).find((name) => SECRET_VALUE_VARIABLES.includes(name));
  if (secretVariable) {
    throw new Error(`${secretVariable} would put a secret's value in the function's environment; pass its ARN in ${ENV.llmApiKeySecretArn}`);
  }
}
