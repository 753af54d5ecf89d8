/**
 * The shapes of the Databricks Pipelines API 2.0 (Delta Live Tables) that DLT blocks use, written from the API
 * reference and the databricks SDKs' generated models (docs.databricks.com/api/workspace/pipelines): list
 * pipelines, start / get an update, list events, stop. Answers are parsed, so something that is not Databricks
 * answering in its place is named as such instead of read as an empty pipeline.
 */
import * as z from 'zod';

export const UPDATE_STATES = ['QUEUED', 'CREATED', 'WAITING_FOR_RESOURCES', 'INITIALIZING', 'RESETTING', 'SETTING_UP_TABLES', 'RUNNING', 'STOPPING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];
export const isFinal = (s: string) => s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELED';

/** Databricks adds fields over time: answers are read loosely, requests are sent exactly. */
const updateStateInfo = z.looseObject({ update_id: z.string(), state: z.string().optional(), creation_time: z.string().optional() });

export const pipelineStateInfo = z.looseObject({
  pipeline_id: z.string(),
  name: z.string().optional(),
  state: z.string().optional(),
  latest_updates: z.array(updateStateInfo).optional(),
});
export type PipelineStateInfo = z.infer<typeof pipelineStateInfo>;

export const listPipelinesResponse = z.looseObject({ statuses: z.array(pipelineStateInfo).optional(), next_page_token: z.string().optional() });
export const getPipelineResponse = pipelineStateInfo;

export interface StartUpdateRequest {
  readonly full_refresh?: boolean;
  readonly refresh_selection?: readonly string[];
  readonly full_refresh_selection?: readonly string[];
  /** An enum in the API (API_CALL, USER_ACTION, …), not free text. */
  readonly cause?: 'API_CALL' | 'USER_ACTION';
}
export const startUpdateResponse = z.looseObject({ update_id: z.string() });

export const updateInfo = z.looseObject({
  update_id: z.string(),
  pipeline_id: z.string().optional(),
  state: z.string(),
  cause: z.string().optional(),
  creation_time: z.number().optional(),
  full_refresh: z.boolean().optional(),
  refresh_selection: z.array(z.string()).optional(),
  full_refresh_selection: z.array(z.string()).optional(),
});
export type UpdateInfo = z.infer<typeof updateInfo>;
export const getUpdateResponse = z.looseObject({ update: updateInfo });

const expectation = z.looseObject({ name: z.string(), dataset: z.string().optional(), passed_records: z.number().optional(), failed_records: z.number().optional() });
export const pipelineEvent = z.looseObject({
  id: z.string(),
  timestamp: z.string(),
  level: z.string().optional(),
  event_type: z.string().optional(),
  message: z.string().optional(),
  origin: z.looseObject({ update_id: z.string().optional(), flow_name: z.string().optional(), dataset_name: z.string().optional(), pipeline_id: z.string().optional() }).optional(),
  error: z.looseObject({ fatal: z.boolean().optional(), exceptions: z.array(z.looseObject({ class_name: z.string().optional(), message: z.string().optional() })).optional() }).optional(),
  details: z
    .looseObject({
      flow_progress: z
        .looseObject({
          status: z.string().optional(),
          metrics: z.looseObject({ num_output_rows: z.number().optional() }).optional(),
          data_quality: z.looseObject({ dropped_records: z.number().optional(), expectations: z.array(expectation).optional() }).optional(),
        })
        .optional(),
      update_progress: z.looseObject({ state: z.string().optional() }).optional(),
    })
    .optional(),
});
export type PipelineEvent = z.infer<typeof pipelineEvent>;
export const listEventsResponse = z.looseObject({ events: z.array(pipelineEvent).optional(), next_page_token: z.string().optional() });

export const empty = z.looseObject({});
