// Built into dist/age.cjs only (see buildAge in build.mjs): age-encryption reads a decrypted stream with
// `new Response(stream).arrayBuffer()`, and on Node 20 the first `Response` loads undici, Node's whole fetch
// implementation — more than the decryption itself costs. This reads the same stream into the same bytes.

/** The two methods of `Response` age-encryption uses, over a ReadableStream of bytes. */
export class StreamBody {
  constructor(private readonly stream: ReadableStream<Uint8Array>) {}

  async arrayBuffer(): Promise<ArrayBuffer> {
    const reader = this.stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out.buffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer());
  }
}
