import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  HttpMethods,
  type IBucket,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge } from '../constructs/nag';
import { removalPolicyOf, type Settings } from '../settings';

export interface StatefulStackProps extends StackProps {
  readonly settings: Settings;
}

/**
 * Everything that holds data: the DynamoDB tables, the data bucket and the key that encrypts
 * the tables. Kept apart from the stateless stacks so those can be replaced freely; the
 * removal policy comes from the `removalPolicy` setting (retain by default).
 */
export class StatefulStack extends Stack {
  /** Customer-managed key of the tables. */
  readonly dataKey: IKey;
  /**
   * Product catalog. Key: `productId`.
   * Access: get / batch-get by product id (generate, profile features); scan for exports.
   */
  readonly catalogTable: ITable;
  /**
   * Profiling results. Key: `pk`, `sk`.
   * Items: `USER#<userId>` / `PROFILE` (features, segment, RFM, cross-sell suggestions);
   * `SEGMENTS#<runId>` / `<segmentId>` (persona, size, centroid); `RULES#<runId>` / `<rank>`
   * and `RULE#<runId>#<productId>` / `<rank>` (cross-sell rules with support, confidence,
   * lift); `CURRENT` / `SEGMENTS` and `CURRENT` / `RULES` (the run whose sets are served).
   * Access: get a profile; get the `CURRENT` pointer, then query or get within that run's
   * partition (functions/profile/store.ts), so readers never see two runs mixed.
   */
  readonly profilesTable: ITable;
  /**
   * Operational records. Key: `pk`, `sk`; TTL attribute `expiresAt`.
   * Items: `UPLOAD#<id>` / `UPLOAD` (upload status and counts); `UPLOADHASH#<etag>` /
   * `UPLOADHASH` (an object already ingested, so a re-delivered S3 event is a no-op);
   * `RUN#<id>` / `RUN` (profiling run status); `RUN#ACTIVE` / `RUN` (the one-run-at-a-time
   * lock, expiring through `expiresAt`); `EVENT#<eventId>` / `EVENT` (event dedup markers,
   * expiring through `expiresAt`).
   * Access: get by id; conditional put for dedup.
   */
  readonly operationsTable: ITable;
  /**
   * Campaigns. Key: `pk`, `sk`.
   * Items: `CAMPAIGN#<id>` / `META` (campaign definition); `CAMPAIGN#<id>` / `VARIANT#<id>`
   * (copy variant and its scores); `CAMPAIGN#<id>` / `COUNTER#<variantId>` (exact impression,
   * click and conversion counters, updated atomically).
   * Access: query a whole campaign by `pk`; atomic `ADD` on counters.
   */
  readonly campaignsTable: ITable;
  /**
   * Raw feedback events. Key: `eventId`; TTL attribute `expiresAt`.
   * Access: conditional put (idempotent ingestion); items expire once aggregated.
   */
  readonly feedbackTable: ITable;
  /**
   * Model registry. Key: `model` (e.g. `ctr`), `version` (sortable).
   * Items: one per version, and `<model>` / `CURRENT` whose `serving` names the version served.
   * Access: query a model's versions; get `CURRENT`, then that version; promotion is a
   * conditional update of `CURRENT` (functions/predict/registry.ts).
   * The artifacts themselves are S3 objects in the data bucket.
   */
  readonly modelsTable: ITable;
  /**
   * Raw events (`raw/`, sharded by user), batch uploads (`batch/`), run manifests and model
   * artifacts. Object-created events go to EventBridge, where the ingest rule picks up `batch/`.
   */
  readonly dataBucket: IBucket;
  /**
   * The tracked-link key: HMAC of the `/r/`, `/o/`, `/u/` tokens in messages and of the
   * suppression list's keyed hashes. Kept here because links already sent must keep working
   * when the service stack is replaced; encrypted with the data key.
   */
  readonly linkKeySecret: ISecret;
  /** Destination of the data bucket's server access logs. */
  readonly accessLogsBucket: IBucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const removalPolicy = removalPolicyOf(props.settings);

    const dataKey = new Key(this, 'DataKey', {
      description: 'Tailor: encryption of the DynamoDB tables',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.dataKey = dataKey;

    const table = (
      tableId: string,
      partitionKey: string,
      sortKey?: string,
      timeToLiveAttribute?: string,
    ): Table =>
      new Table(this, tableId, {
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        sortKey: sortKey ? { name: sortKey, type: AttributeType.STRING } : undefined,
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: dataKey,
        timeToLiveAttribute,
        deletionProtection: props.settings.removalPolicy === 'retain',
        removalPolicy,
      });

    this.catalogTable = table('CatalogTable', 'productId');
    this.profilesTable = table('ProfilesTable', 'pk', 'sk');
    this.operationsTable = table('OperationsTable', 'pk', 'sk', 'expiresAt');
    this.campaignsTable = table('CampaignsTable', 'pk', 'sk');
    this.feedbackTable = table('FeedbackTable', 'eventId', undefined, 'expiresAt');
    this.modelsTable = table('ModelsTable', 'model', 'version');

    const linkKeySecret = new Secret(this, 'LinkKeySecret', {
      description:
        'Tailor: key of the signed tracked links (click, open, unsubscribe) and suppression hashes',
      encryptionKey: dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    acknowledge(
      linkKeySecret,
      'AwsSolutions-SMG4',
      'Rotating the link key would break every tracked and unsubscribe link in messages already sent (and the suppression hashes); it is a signing key, not a credential.',
    );
    this.linkKeySecret = linkKeySecret;

    const accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    acknowledge(
      accessLogsBucket,
      'AwsSolutions-S1',
      'This is the server access log destination of the data bucket; logging it into itself would log its own log deliveries.',
    );
    this.accessLogsBucket = accessLogsBucket;

    const dataBucket = new Bucket(this, 'DataBucket', {
      // SSE-S3 rather than the table key: presigned uploads from any client then need no KMS grant.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      lifecycleRules: [
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(30) },
        {
          id: 'RawToInfrequentAccess',
          prefix: 'raw/',
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(90) }],
        },
      ],
      cors: [
        {
          // Browsers and the CLI upload batches straight to S3 with presigned PUT URLs.
          allowedMethods: [HttpMethods.PUT],
          allowedOrigins: ['*'],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      removalPolicy,
    });
    // EventBridge delivery set on the CloudFormation resource itself: the construct's
    // `eventBridgeEnabled` goes through a custom-resource Lambda (kept for buckets with other
    // notifications), which this bucket does not need. The ingest rule lives in the service
    // stack, so no reference points back from this stack to the functions.
    (dataBucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.dataBucket = dataBucket;
  }
}
