// GenerationService.Generate: decode → GenerationApp.start → samples through the job's live sink
// (backpressured), progress and summary from the job log.
import type { GenerationServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/GenerationService';
import type { GenerateRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/GenerateRequest';
import type { GenerateEvent } from '@hyperface/sdk/gen/hyperface/v1/GenerateEvent';
import type { GenerationApp } from '../domain/services/generation.js';
import type { JobManager } from '../domain/jobs/manager.js';
import type { InteractiveGeneration } from '../domain/services/interactive-generation.js';
import { serverStream, type TransportDeps } from './call.js';
import { followJob } from './follow.js';
import { decodeGenerateRequest, faceSampleToWire, generateEventToWire } from './generation-wire.js';

export function generationHandlers(deps: TransportDeps, app: GenerationApp, jobs: JobManager, interactive?: InteractiveGeneration): GenerationServiceHandlers {
  return {
    Generate: serverStream<GenerateRequest__Output, GenerateEvent>(deps, 'Generate', async (req, out, ctx) => {
      const input = decodeGenerateRequest(req, deps.bounds);
      // Small and writing no dataset: an interactive request, not a job (no job id).
      const opened = interactive ? await interactive.open(input, req.detach) : {};
      if (opened.interactive) {
        const summary = await opened.interactive.run({
          caller: ctx.principal,
          signal: ctx.signal,
          // Nothing is written before the slot is held: a refusal (queue full) is the call's only
          // answer, so a client's retry policy can retry it.
          admitted: () => out.write({ accepted: { jobId: '', resumed: false } }),
          deliver: (sample) => out.write({ sample: faceSampleToWire(sample) }),
        });
        await out.write(generateEventToWire({ summary }));
        return;
      }
      let markAccepted!: () => void;
      const accepted = new Promise<void>((resolve) => (markAccepted = resolve));
      let jobId = '';
      const job = await app.start(input, {
        sink: async (sample) => {
          await accepted;
          try {
            await out.write({ sample: faceSampleToWire(sample) });
          } catch {
            // The stream went away: the job goes on (detach) or is being cancelled by followJob.
            jobs.detach(jobId);
          }
        },
      }, opened.checked);
      jobId = job.id;
      // resumed: an identical job already wrote this folder; this stream follows it.
      await out.write({ accepted: { jobId: job.id, resumed: job.attached === true } });
      markAccepted();
      await followJob(jobs, job.id, { detach: req.detach, signal: ctx.signal }, async (event) => {
        if (event.channel === 'generate') await out.write(generateEventToWire(event.payload));
      });
    }),
  };
}
