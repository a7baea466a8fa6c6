// Original file: proto/hyperface/v1/jobs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelJobRequest as _hyperface_v1_CancelJobRequest, CancelJobRequest__Output as _hyperface_v1_CancelJobRequest__Output } from '../../hyperface/v1/CancelJobRequest.js';
import type { GetJobRequest as _hyperface_v1_GetJobRequest, GetJobRequest__Output as _hyperface_v1_GetJobRequest__Output } from '../../hyperface/v1/GetJobRequest.js';
import type { Job as _hyperface_v1_Job, Job__Output as _hyperface_v1_Job__Output } from '../../hyperface/v1/Job.js';
import type { JobEvent as _hyperface_v1_JobEvent, JobEvent__Output as _hyperface_v1_JobEvent__Output } from '../../hyperface/v1/JobEvent.js';
import type { ListJobsRequest as _hyperface_v1_ListJobsRequest, ListJobsRequest__Output as _hyperface_v1_ListJobsRequest__Output } from '../../hyperface/v1/ListJobsRequest.js';
import type { ListJobsResponse as _hyperface_v1_ListJobsResponse, ListJobsResponse__Output as _hyperface_v1_ListJobsResponse__Output } from '../../hyperface/v1/ListJobsResponse.js';
import type { WatchJobRequest as _hyperface_v1_WatchJobRequest, WatchJobRequest__Output as _hyperface_v1_WatchJobRequest__Output } from '../../hyperface/v1/WatchJobRequest.js';

/**
 * Long work (pack, generate, evaluate) runs as a job persisted under <data-dir>/jobs/<id>/.
 * Jobs survive a daemon restart: unfinished ones resume from their last checkpoint.
 */
export interface JobServiceClient extends grpc.Client {
  /**
   * Idempotent: cancelling a finished job returns it unchanged.
   */
  CancelJob(argument: _hyperface_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hyperface_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hyperface_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _hyperface_v1_CancelJobRequest, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * Idempotent: cancelling a finished job returns it unchanged.
   */
  cancelJob(argument: _hyperface_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hyperface_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hyperface_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _hyperface_v1_CancelJobRequest, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  
  GetJob(argument: _hyperface_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _hyperface_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _hyperface_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _hyperface_v1_GetJobRequest, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _hyperface_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _hyperface_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _hyperface_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _hyperface_v1_GetJobRequest, callback: grpc.requestCallback<_hyperface_v1_Job__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _hyperface_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _hyperface_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _hyperface_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _hyperface_v1_ListJobsRequest, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _hyperface_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _hyperface_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _hyperface_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _hyperface_v1_ListJobsRequest, callback: grpc.requestCallback<_hyperface_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replays the job's event log from `from_seq`, then follows it live until the job ends.
   */
  WatchJob(argument: _hyperface_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_JobEvent__Output>;
  WatchJob(argument: _hyperface_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_JobEvent__Output>;
  /**
   * Replays the job's event log from `from_seq`, then follows it live until the job ends.
   */
  watchJob(argument: _hyperface_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_JobEvent__Output>;
  watchJob(argument: _hyperface_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hyperface_v1_JobEvent__Output>;
  
}

/**
 * Long work (pack, generate, evaluate) runs as a job persisted under <data-dir>/jobs/<id>/.
 * Jobs survive a daemon restart: unfinished ones resume from their last checkpoint.
 */
export interface JobServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Idempotent: cancelling a finished job returns it unchanged.
   */
  CancelJob: grpc.handleUnaryCall<_hyperface_v1_CancelJobRequest__Output, _hyperface_v1_Job>;
  
  GetJob: grpc.handleUnaryCall<_hyperface_v1_GetJobRequest__Output, _hyperface_v1_Job>;
  
  ListJobs: grpc.handleUnaryCall<_hyperface_v1_ListJobsRequest__Output, _hyperface_v1_ListJobsResponse>;
  
  /**
   * Replays the job's event log from `from_seq`, then follows it live until the job ends.
   */
  WatchJob: grpc.handleServerStreamingCall<_hyperface_v1_WatchJobRequest__Output, _hyperface_v1_JobEvent>;
  
}

export interface JobServiceDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<_hyperface_v1_CancelJobRequest, _hyperface_v1_Job, _hyperface_v1_CancelJobRequest__Output, _hyperface_v1_Job__Output>
  GetJob: MethodDefinition<_hyperface_v1_GetJobRequest, _hyperface_v1_Job, _hyperface_v1_GetJobRequest__Output, _hyperface_v1_Job__Output>
  ListJobs: MethodDefinition<_hyperface_v1_ListJobsRequest, _hyperface_v1_ListJobsResponse, _hyperface_v1_ListJobsRequest__Output, _hyperface_v1_ListJobsResponse__Output>
  WatchJob: MethodDefinition<_hyperface_v1_WatchJobRequest, _hyperface_v1_JobEvent, _hyperface_v1_WatchJobRequest__Output, _hyperface_v1_JobEvent__Output>
}
