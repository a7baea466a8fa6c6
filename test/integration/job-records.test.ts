// Stored jobs are parsed when the daemon starts: a record it cannot read, or an unfinished job whose
// request is in an older format, is listed as FAILED with the reason (it used to be skipped
// silently, or cast and run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestDaemon, tempDir } from '../helpers/daemon.js';

test('after a restart, a corrupt job record and an unfinished job with an old-format request are FAILED jobs that say why', { timeout: 120_000 }, async () => {
  const dataDir = tempDir('hf-records-');
  const first = await startTestDaemon({ dataDir }, { models: false });
  let jobId = '';
  try {
    await first.client.waitForReady({ service: 'hyperface.v1.PackingService', timeoutMs: 30_000 });
    for await (const e of first.client.pack({ identities: 6, dim: 3, gallery: { none: true }, iterations: 20 })) if (e.accepted) jobId = e.accepted.jobId;
  } finally {
    await first.stop();
  }
  assert.ok(jobId, 'the pack job reported its id');
  // Two damaged copies of the real record, as a crash mid-write or an older daemon would leave them.
  const real = JSON.parse(readFileSync(join(dataDir, 'jobs', jobId, 'job.json'), 'utf8')) as { request: { params: Record<string, unknown> } };
  const put = (id: string, text: string): void => {
    mkdirSync(join(dataDir, 'jobs', id), { recursive: true });
    writeFileSync(join(dataDir, 'jobs', id, 'job.json'), text);
  };
  put('pack-corrupt', JSON.stringify({ ...real, id: 'pack-corrupt', state: 'running' }).slice(0, 40));
  const { mode: _dropped, ...oldParams } = real.request.params;
  put('pack-old', JSON.stringify({ ...real, id: 'pack-old', state: 'running', request: { ...real.request, params: { ...oldParams, identities: '6' } } }));

  const second = await startTestDaemon({ dataDir }, { models: false });
  try {
    await second.client.waitForReady({ service: 'hyperface.v1.JobService', timeoutMs: 30_000 });
    const ids = (await second.client.listJobs()).jobs.map((j) => j.id).sort();
    assert.deepEqual(ids, [jobId, 'pack-corrupt', 'pack-old'].sort(), 'every record is listed');
    assert.equal((await second.client.getJob(jobId)).state, 'JOB_STATE_SUCCEEDED');
    const corrupt = await second.client.getJob('pack-corrupt');
    assert.equal(corrupt.state, 'JOB_STATE_FAILED');
    assert.match(corrupt.error, /job record \(job\.json\) is unreadable/);
    const old = await second.client.getJob('pack-old');
    assert.equal(old.state, 'JOB_STATE_FAILED');
    assert.match(old.error, /stored request of this pack job does not match this daemon's format/);
    assert.match(old.error, /params\.mode/);
    assert.match(old.error, /params\.identities/);
  } finally {
    await second.stop();
  }
});
