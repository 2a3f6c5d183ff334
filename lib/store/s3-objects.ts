/**
 * The bytes of shared traces in an S3-compatible object store (server-only): raw captures, key
 * logs and analysis artifacts, one key prefix per trace (`traces/<id>/`). Streams both ways:
 * uploads go up as multipart uploads fed from the request as it arrives (at most
 * PART_SIZE × QUEUE_SIZE bytes held at once), reads come down as streams, byte ranges as ranged GETs.
 */
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ScaleSettings } from './config';
import type { ByteRange, ObjectBody } from './types';

/** The layout: one prefix per trace, so a trace's objects are listed and deleted together. */
export const rawKey = (id: string): string => `traces/${id}/raw`;
export const keylogKey = (id: string): string => `traces/${id}/keylog.txt`;
/** Where one attempt at a job writes the analysis objects. */
export const artifactsPrefix = (id: string, attempt: number): string => `traces/${id}/a${attempt}/`;

const MiB = 1024 * 1024;
/** Multipart part size: 8 MiB parts keep a 2 GB capture at 256 parts (the limit is 10,000). */
const PART_SIZE = 8 * MiB;
/** Parts in flight per upload. */
const QUEUE_SIZE = 2;

/** An object being written from a stream: `write` in order, then `finish`, or `abort`. */
export interface ObjectWriter {
  write(chunk: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

export class ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(s: ScaleSettings['s3']) {
    this.bucket = s.bucket;
    this.client = new S3Client({
      endpoint: s.endpoint,
      region: s.region,
      // Path-style (`endpoint/bucket/key`): what self-hosted stores (radosgw, MinIO) serve without DNS.
      forcePathStyle: Boolean(s.endpoint),
      // The SDK's default CRC32 of every byte sent and received runs on the event loop that serves
      // requests; a capture's integrity is its SHA-256, computed as it arrives (ingest), and the
      // analysis objects are made and read by this code. Checksums only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials:
        s.accessKeyId && s.secretAccessKey
          ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }
          : undefined,
    });
  }

  /** Creates the bucket when it is missing (replicas starting together may race: both fine). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
    }
  }

  async put(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  /** Uploads a stream (a file being read) as one object, multipart when it is large. */
  async putStream(key: string, body: Readable, contentType = 'application/octet-stream'): Promise<void> {
    const up = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    await up.done();
  }

  /**
   * An object written as its bytes arrive (an upload's request body): each `write` waits while the
   * parts in flight are full, so a fast client is slowed to the store's pace, never buffered.
   */
  writer(key: string): ObjectWriter {
    const deleteKey = (k: string) => this.deleteKeys([k]);
    const pass = new PassThrough({ highWaterMark: MiB });
    const up = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: pass },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    let failure: unknown = null;
    const done = up.done().catch((e: unknown) => {
      failure = e;
      pass.destroy();
      throw e;
    });
    done.catch(() => undefined);
    return {
      async write(chunk) {
        if (failure) throw failure;
        if (!pass.write(chunk)) await Promise.race([once(pass, 'drain'), done]);
      },
      async finish() {
        pass.end();
        await done;
      },
      async abort() {
        await up.abort().catch(() => undefined);
        pass.destroy();
        await done.catch(() => undefined);
        // A small upload completes as one PutObject, which `abort` cannot take back: delete it.
        await deleteKey(key).catch(() => undefined);
      },
    };
  }

  /** The object, whole or a byte range; null when it does not exist. */
  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    try {
      const r = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      const size = r.ContentLength ?? 0;
      const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(r.ContentRange ?? '');
      const start = m ? Number(m[1]) : 0;
      const totalSize = m ? Number(m[2]) : size;
      return { stream: r.Body as Readable, size, start, totalSize };
    } catch (e) {
      if (isNotFound(e)) return null;
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 416)
        return { stream: Readable.from([]), size: 0, start: range?.start ?? 0, totalSize: 0 };
      throw e;
    }
  }

  /** A small object's bytes (summary, packet columns, key log); null when it does not exist. */
  async getBytes(key: string): Promise<Uint8Array | null> {
    const o = await this.get(key);
    if (!o) return null;
    const parts: Buffer[] = [];
    for await (const c of o.stream) parts.push(c as Buffer);
    return new Uint8Array(Buffer.concat(parts));
  }

  /** Keys under a prefix with their age, page by page. */
  async *list(prefix: string): AsyncGenerator<{ key: string; lastModified: Date }> {
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? [])
        if (o.Key) yield { key: o.Key, lastModified: o.LastModified ?? new Date(0) };
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys: string[] = [];
    for await (const o of this.list(prefix)) keys.push(o.key);
    if (keys.length) await this.deleteKeys(keys);
    return keys.length;
  }

  /** Multipart uploads begun before `before` (a replica that died mid-upload leaves them). */
  async *staleMultipartUploads(
    prefix: string,
    before: Date,
  ): AsyncGenerator<{ key: string; uploadId: string }> {
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const r = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: idMarker,
        }),
      );
      for (const u of r.Uploads ?? [])
        if (u.Key && u.UploadId && (u.Initiated ?? new Date(0)) < before)
          yield { key: u.Key, uploadId: u.UploadId };
      if (!r.IsTruncated) return;
      keyMarker = r.NextKeyMarker;
      idMarker = r.NextUploadIdMarker;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
    );
  }
}
