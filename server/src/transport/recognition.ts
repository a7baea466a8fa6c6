// RecognitionService.Embed: bidirectional. Each request is embedded through the domain's
// RecognitionService (dynamic batching across requests and streams); responses go out in request
// order; a bad item gets `error` set without ending the stream. At most `maxInFlight` requests of
// one stream are in progress: beyond that the handler stops reading, so gRPC flow control pushes
// back on the client and memory stays bounded.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { RecognitionServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/RecognitionService';
import type { EmbedRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/EmbedRequest';
import type { EmbedResponse } from '@hyperface/sdk/gen/hyperface/v1/EmbedResponse';
import { toTensor } from '@hyperface/sdk/tensor';
import { InvalidArgumentError } from '../shared/errors.js';
import type { EmbedItem, RecognitionService } from '../domain/recognition/service.js';
import { duplexStream, type CallContext, type TransportDeps } from './call.js';
import { toPublicError } from './errors.js';

export function decodeEmbedRequest(req: EmbedRequest__Output): EmbedItem {
  const image = req.image;
  if (!image || !image.content) throw new InvalidArgumentError({ field: 'image', description: 'set image.encoded (PNG/JPEG bytes) or image.raw' });
  if (image.content === 'encoded') {
    if (!image.encoded || image.encoded.length === 0) throw new InvalidArgumentError({ field: 'image.encoded', description: 'is empty' });
    return { image: { encoded: image.encoded }, recognizer: req.recognizer || undefined, aligned: req.aligned, largestFace: req.largestFace, flip: req.flip };
  }
  const raw = image.raw!;
  if (raw.channels !== 1 && raw.channels !== 3 && raw.channels !== 4) throw new InvalidArgumentError({ field: 'image.raw.channels', description: 'must be 1, 3 or 4' });
  if (raw.width < 1 || raw.height < 1) throw new InvalidArgumentError({ field: 'image.raw', description: 'width and height must be positive' });
  if (raw.data.length !== raw.width * raw.height * raw.channels) {
    throw new InvalidArgumentError({ field: 'image.raw.data', description: `has ${raw.data.length} bytes, expected height × width × channels = ${raw.width * raw.height * raw.channels}` });
  }
  return { image: { raw: { width: raw.width, height: raw.height, channels: raw.channels, data: raw.data } }, recognizer: req.recognizer || undefined, aligned: req.aligned, largestFace: req.largestFace, flip: req.flip };
}

async function embedOne(service: RecognitionService, req: EmbedRequest__Output, index: number, ctx: CallContext): Promise<EmbedResponse> {
  try {
    const result = await service.embed(decodeEmbedRequest(req), { signal: ctx.signal });
    return {
      id: req.id,
      index,
      model: result.model,
      alignment: result.alignment,
      faces: result.faces.map((f) => ({ embedding: toTensor(f.embedding, [1, f.embedding.length]), box: f.box, score: f.score, landmarks: f.landmarks })),
    };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // A bad item fails alone, with the status it would have had as a call (transport/errors.ts).
    const { code, message } = toPublicError(error, ctx.log, 'Embed item');
    return { id: req.id, index, error: { code, message } };
  }
}

export function recognitionHandlers(deps: TransportDeps, service: () => RecognitionService, maxInFlight: number): RecognitionServiceHandlers {
  return {
    Embed: duplexStream<EmbedRequest__Output, EmbedResponse>(deps, 'Embed', async (call: ServerDuplexStream<EmbedRequest__Output, EmbedResponse>, out, ctx) => {
      const svc = service();
      const queue: Promise<EmbedResponse>[] = [];
      let readerDone = false;
      let wakeWriter: (() => void) | undefined;
      let wakeReader: (() => void) | undefined;
      // Writer: sends finished responses in request order as soon as each is ready.
      const writer = (async () => {
        for (;;) {
          const head = queue[0];
          if (head) {
            const response = await head;
            void queue.shift(); // already awaited above
            wakeReader?.();
            await out.write(response);
          } else if (readerDone) return;
          else await new Promise<void>((resolve) => (wakeWriter = resolve));
        }
      })();
      let writerError: Error | undefined;
      writer.catch((error: unknown) => {
        writerError = error instanceof Error ? error : new Error('the response stream stopped');
        wakeReader?.();
      });
      let index = 0;
      try {
        // destroyOnReturn: false — a plain `for await` destroys the duplex (our writing half too) when reading ends.
        for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<EmbedRequest__Output>) {
          // Stop reading (gRPC flow control then holds the client) while too much is in flight.
          while (queue.length >= maxInFlight && writerError === undefined) await new Promise<void>((resolve) => (wakeReader = resolve));
          if (writerError !== undefined) throw writerError;
          queue.push(embedOne(svc, req, index++, ctx));
          wakeWriter?.();
        }
      } finally {
        readerDone = true;
        wakeWriter?.();
      }
      await writer;
    }),
  };
}
