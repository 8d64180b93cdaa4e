import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStorage, PutOptions, StorageErrorCode, StoredObject } from './storage.js';
import { StorageError } from './storage.js';
import { checkKey, codeForStatus, HashingStream, readerOf, redactUrl, remoteError } from './streams.js';

/** Upload part size: S3's minimum. At most QUEUE parts are in memory at once. */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE = 2;

const UNAUTHORIZED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);
const QUOTA = new Set(['QuotaExceeded', 'XMinioStorageFull', 'InsufficientStorage', 'ServiceQuotaExceeded']);

/**
 * Objects in an S3 bucket under a prefix:
 * - `s3://bucket/prefix`: AWS, with the SDK's usual credentials and region (`AWS_REGION`,
 *   `AWS_ACCESS_KEY_ID`, profiles, instance roles);
 * - `s3+https://KEY:SECRET@host:port/bucket/prefix` (or `s3+http://`): any S3-compatible
 *   server (MinIO, Garage, Ceph ...), path-style; `?region=` when the server wants one
 *   (default `us-east-1`).
 *
 * S3 only shows an object once its upload is complete, so a put streams straight to the key
 * (multipart past 5 MB) and a failed one is aborted, leaving nothing.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(url: string) {
    this.location = redactUrl(url);
    const parsed = new URL(url);
    const region = parsed.searchParams.get('region') ?? undefined;
    let config: S3ClientConfig;
    let path: string;
    if (parsed.protocol === 's3:') {
      // s3://bucket/prefix: the bucket is the host.
      path = `${parsed.hostname}${parsed.pathname}`;
      config = { region };
    } else {
      path = parsed.pathname.slice(1);
      config = {
        endpoint: `${parsed.protocol.slice('s3+'.length)}//${parsed.host}`,
        forcePathStyle: true,
        region: region ?? 'us-east-1',
        credentials: {
          accessKeyId: decodeURIComponent(parsed.username),
          secretAccessKey: decodeURIComponent(parsed.password),
        },
        // Checksums only where S3 requires them: many S3-compatible servers reject the rest.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      };
    }
    const [bucket = '', ...rest] = path.split('/').filter(Boolean);
    if (!bucket) throw new Error(`the S3 URL ${this.location} names no bucket (s3://bucket/prefix)`);
    this.bucket = bucket;
    this.prefix = rest.map((s) => `${decodeURIComponent(s)}/`).join('');
    this.client = new S3Client(config);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const objectKey = this.keyOf(key);
    const hashing = new HashingStream(options.maxBytes);
    // Not `hashing` itself as the body: lib-storage would take its running `size` for the total.
    const out = new PassThrough();
    const source = pipeline(body, hashing, out);
    source.catch(() => {}); // awaited below; an early failure must not count as unhandled meanwhile
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: out,
        ContentType: options.contentType ?? 'application/octet-stream',
      },
      partSize: PART_BYTES,
      queueSize: QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      await source;
    } catch (err) {
      // Stop the body (the upload stopped reading it) and drop any parts already sent.
      out.destroy();
      await source.catch(() => {});
      await upload.abort().catch(() => {});
      throw this.error(hashing.errored instanceof StorageError ? hashing.errored : err, key);
    }
    return { key, size: hashing.size, sha256: hashing.digest() };
  }

  async get(key: string, expected?: { size: number; sha256: string }): Promise<Readable> {
    const object = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }))
      .catch((err: unknown) => {
        throw this.error(err, key);
      });
    // In Node the SDK's body is the HTTP response stream.
    return readerOf(object.Body as Readable, key, expected, (err) => this.error(err, key));
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      const mapped = this.error(err, key);
      if (mapped.code === 'not_found') return null;
      throw mapped;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })).catch((err) => {
      const mapped = this.error(err, key);
      if (mapped.code !== 'not_found') throw mapped;
    });
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }))
        .catch((err: unknown) => {
          throw this.error(err, prefix);
        });
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The bucket must exist and the credentials must reach it; buckets are not created here. */
  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket })).catch((err: unknown) => {
      const mapped = this.error(err, '/');
      if (mapped.code !== 'not_found') throw mapped;
      throw new StorageError('unavailable', `there is no bucket ${this.bucket} at ${this.location}`, { cause: err });
    });
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  private error(err: unknown, key: string): StorageError {
    if (err instanceof StorageError) return err;
    const where = `the S3 storage at ${this.location}`;
    const name = (err as Error).name;
    if (name === 'NoSuchBucket') {
      return new StorageError('unavailable', `there is no bucket ${this.bucket} at ${this.location}`, { cause: err });
    }
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    let code: StorageErrorCode = status ? codeForStatus(status) : 'unavailable';
    if (UNAUTHORIZED.has(name)) code = 'unauthorized';
    else if (QUOTA.has(name)) code = 'quota';
    else if (name === 'EntityTooLarge') code = 'too_large';
    else if (name === 'NoSuchKey' || name === 'NotFound') code = 'not_found';
    const detail = status ? `${name}, HTTP ${status}` : (err as Error).message;
    return remoteError(code, where, key, detail, err);
  }
}
