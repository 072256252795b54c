import { relative } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { buildSync } from 'esbuild';
import { LAMBDA_HANDLER, lambdaBuildOptions } from '../lambdaBundle.ts';
import { acknowledgeNagFinding } from '../nag.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config.ts';

export const POWERTOOLS_SERVICE_NAME = 'wink';
export const METRICS_NAMESPACE = 'Wink';

/** Environment variable names that would carry a secret's value; only its ARN may be passed. */
const SECRET_VALUE_VARIABLES: readonly string[] = [ENV.llmApiKey];

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
  /** Directory holding every source esbuild may read (the asset's source path). @default the repository root */
  readonly projectRoot?: string;
}

/**
 * A Wink Lambda function with the project's fixed defaults: Node.js 22 on arm64, bundled locally
 * by esbuild (no Docker) as minified ESM with source maps and code splitting, the AWS SDK's service
 * clients left to the runtime (infra/lambdaBundle.ts says what and why), X-Ray tracing, and its
 * own log group with a retention period. The role starts empty apart from log
 * writing to that one group; constructs add access with `grant*` calls on `fn`.
 */
export class WinkFunction extends Construct {
  public readonly fn: LambdaFunction;
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

    this.fn = new LambdaFunction(this, 'Function', {
      code: bundledCode(props.entry, props.projectRoot ?? PROJECT_ROOT),
      handler: LAMBDA_HANDLER,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
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

/**
 * The handler bundled by esbuild in this process, with the options bench/bundles.ts measures.
 * Not NodejsFunction: its bundling writes one file (`--outfile`), which rules out code splitting,
 * and code splitting is what keeps the openai SDK out of a cold start. The asset is hashed by its
 * output, so an unchanged bundle is not uploaded again. The Docker image is never used: bundling
 * is always local (esbuild is a dev dependency), as NodejsFunction does when esbuild is installed.
 */
function bundledCode(entry: string, projectRoot: string): Code {
  return Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('dummy'),
      // Never run (bundling is local), but part of the asset cache key: without the entry in it,
      // every function built from the same root and options would get the first one's bundle.
      command: ['esbuild', relative(projectRoot, entry)],
      local: {
        tryBundle(outputDir) {
          buildSync({ ...lambdaBuildOptions(entry, outputDir), absWorkingDir: projectRoot });
          return true;
        },
      },
    },
  });
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
