import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { assetBlobKey, createFolderBlobs } from './asset-blobs.js';
import { createAssetUrlSigner } from './asset-urls.js';
import { createS3Blobs } from './s3-blobs.js';
import { signV4 } from './sigv4.js';

const bytes = new Uint8Array([0, 1, 2, 250, 255]);

test('SigV4 signs the GET Object example of the AWS documentation to its published signature', () => {
  const headers = signV4({
    method: 'GET',
    url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
    headers: { range: 'bytes=0-9' },
    body: undefined,
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 's3',
    },
    date: new Date('2013-05-24T00:00:00Z'),
  });
  assert.equal(
    headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
  assert.equal(headers['x-amz-content-sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('a folder keeps each tenant and mode apart, replaces atomically, answers null for what is not there', async () => {
  const root = mkdtempSync(join(tmpdir(), 'flowrun-blobs-'));
  try {
    const blobs = createFolderBlobs(root);
    const key = assetBlobKey('../acme', 'test', 'asset_1');
    assert.equal(key, '%2E%2E%2Facme/test/asset_1', 'a tenant id is one path segment, never a way out');
    await blobs.put(key, bytes, 'application/octet-stream');
    assert.deepEqual(await blobs.get(key), bytes);
    assert.deepEqual(readdirSync(join(root, '%2E%2E%2Facme', 'test')), ['asset_1'], 'no partial file is left');
    assert.equal(await blobs.get(assetBlobKey('other', 'test', 'asset_1')), null);
    await blobs.delete(key);
    await blobs.delete(key);
    assert.equal(await blobs.get(key), null);
    await assert.rejects(blobs.get('a/../b'), /bad asset key/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

describe('S3-compatible bucket', () => {
  test('puts, gets and deletes objects path-style, each request signed for the bucket region with the payload hashed', async () => {
    const objects = new Map<string, Buffer>();
    const seen: Array<{ method: string; url: string; authorization: string; hash: string; date: string }> = [];
    const server = createServer(async (request: IncomingMessage, response) => {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      const body = Buffer.concat(parts);
      seen.push({
        method: request.method!,
        url: request.url!,
        authorization: String(request.headers.authorization),
        hash: String(request.headers['x-amz-content-sha256']),
        date: String(request.headers['x-amz-date']),
      });
      if (request.method === 'PUT') objects.set(request.url!, body);
      if (request.method === 'DELETE') objects.delete(request.url!);
      const found = objects.get(request.url!);
      if (request.method === 'GET' && !found) return response.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
      response.writeHead(request.method === 'DELETE' ? 204 : 200).end(request.method === 'GET' ? found : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const blobs = createS3Blobs(
        {
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
          bucket: 'flowrun-assets',
          region: 'eu-west-1',
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret-example',
          prefix: 'prod/',
        },
        fetch,
        () => Date.UTC(2026, 11, 8, 3, 0, 0),
      );
      const key = assetBlobKey('acme@corp', 'live', 'asset_9');
      await blobs.put(key, bytes, 'image/png');
      assert.deepEqual(await blobs.get(key), bytes);
      await blobs.delete(key);
      assert.equal(await blobs.get(key), null);
      assert.deepEqual(
        seen.map((request) => `${request.method} ${request.url}`),
        ['PUT', 'GET', 'DELETE', 'GET'].map((method) => `${method} /flowrun-assets/prod/acme%2540corp/live/asset_9`),
      );
      assert.match(
        seen[0]!.authorization,
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261208\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
      );
      assert.equal(seen[0]!.hash, createHash('sha256').update(bytes).digest('hex'), 'the payload is hashed into the signature');
      assert.equal(seen[0]!.date, '20261208T030000Z');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a bucket that refuses says so with its status and code (no credential in the message)', async () => {
    const server = createServer((_request, response) => response.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const blobs = createS3Blobs({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        bucket: 'b',
        region: 'us-east-1',
        accessKeyId: 'AKID',
        secretAccessKey: 'very-secret-value',
        prefix: '',
      });
      await assert.rejects(blobs.put('k', bytes, 'text/plain'), (error: Error) => {
        assert.equal(error.message, 'S3 PUT answered 403 (SignatureDoesNotMatch)');
        return true;
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

test('signed asset URLs verify only for the same id, expiry and key', () => {
  const signer = createAssetUrlSigner(Buffer.from('k'.repeat(32)));
  const signature = signer.sign('asset_1', 2_000_000_000);
  assert.ok(signer.verify('asset_1', 2_000_000_000, signature));
  assert.ok(!signer.verify('asset_2', 2_000_000_000, signature));
  assert.ok(!signer.verify('asset_1', 2_000_000_001, signature));
  assert.ok(!createAssetUrlSigner(Buffer.from('j'.repeat(32))).verify('asset_1', 2_000_000_000, signature));
  assert.ok(!signer.verify('asset_1', 2_000_000_000, `${signature}x`));
});
