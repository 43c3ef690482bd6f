import tar from 'tar-stream';

export interface TarEntry {
  header: Partial<tar.Header> & { name: string };
  body?: Buffer | string;
}

/** packToBuffer writes entries into an in-memory tar (for small archives: fixtures, metadata files). */
export async function packToBuffer(entries: Iterable<TarEntry>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const { header, body } of entries) {
    await new Promise<void>((res, rej) => {
      const cb = (e?: Error | null) => (e ? rej(e) : res());
      if (body === undefined) pack.entry(header as tar.Header, cb);
      else pack.entry(header as tar.Header, body, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
