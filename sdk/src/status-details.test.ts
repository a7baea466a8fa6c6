import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BAD_REQUEST_TYPE, decodeStatusDetails, encodeStatusDetails, RETRY_INFO_TYPE } from './status-details.js';

// google.rpc wire bytes written out from the field numbers in googleapis' status.proto and
// error_details.proto, independently of the code under test.
function len(bytes: number[]): number[] {
  return [bytes.length, ...bytes];
}
const str = (s: string): number[] => len([...Buffer.from(s)]);
const violation = [0x0a, ...str('identities'), 0x12, ...str('must be >= 2')]; // FieldViolation{field=1, description=2}
const badRequest = [0x0a, ...len(violation)]; // BadRequest{field_violations=1}
const retryInfo = [0x0a, ...len([0x08, 0x01, 0x10, 0x80, 0xe1, 0xeb, 0x17])]; // RetryInfo{retry_delay=1: Duration{seconds=1, nanos=50_000_000}}
const any = (url: string, value: number[]): number[] => [0x1a, ...len([0x0a, ...str(url), 0x12, ...len(value)])]; // Status.details=3: Any{type_url=1, value=2}
const GOLDEN = Buffer.from([0x08, 0x03, 0x12, ...str('bad pack'), ...any(BAD_REQUEST_TYPE, badRequest), ...any(RETRY_INFO_TYPE, retryInfo)]);

test('google.rpc.Status with BadRequest and RetryInfo encodes to the googleapis wire format', () => {
  const bytes = encodeStatusDetails({ code: 3, message: 'bad pack', fieldViolations: [{ field: 'identities', description: 'must be >= 2' }], retryDelayMs: 1050 });
  assert.deepEqual([...bytes], [...GOLDEN]);
});

test('google.rpc.Status decodes field violations and the retry delay; unknown details are ignored', () => {
  const unknown = any('type.googleapis.com/google.rpc.DebugInfo', [0x12, ...str('trace')]);
  const d = decodeStatusDetails(Buffer.concat([GOLDEN, Buffer.from(unknown)]));
  assert.equal(d.code, 3);
  assert.equal(d.message, 'bad pack');
  assert.deepEqual(d.fieldViolations, [{ field: 'identities', description: 'must be >= 2' }]);
  assert.equal(d.retryDelayMs, 1050);
});

test('a status without details round-trips', () => {
  const d = decodeStatusDetails(encodeStatusDetails({ code: 5, message: 'no such job', fieldViolations: [] }));
  assert.deepEqual(d, { code: 5, message: 'no such job', fieldViolations: [] });
});
